/* vsnprintk: the one printf-style formatter. printk and panic use it, and
 * so does the C library of the riscv replay image (its snprintf and
 * fprintf), whose reports must read byte for byte as the hosted build's
 * glibc writes them. So it follows C's rules for all it supports: the
 * flags - + space # 0, a width and a precision (digits or *), the length
 * modifiers hh h l ll z j t, and the conversions d i u o x X c s p %.
 * %p prints as glibc does ("0x" and hex digits, "(nil)" for NULL), a NULL
 * %s as "(null)"; an unknown conversion is printed as written rather than
 * guessing at its argument. */
#include "lib.h"

struct outbuf {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even those that did not fit */
};

enum length { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
	bool left, plus, space, alt, zero;
	unsigned int width;
	int prec; /* -1: none given */
	enum length len;
	char conv;
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct outbuf *o, char c, unsigned int width, size_t used)
{
	for (; used < width; used++)
		out_char(o, c);
}

/* Sign or prefix, then zeros up to the precision (or, with '0' and no
 * precision, up to the width), then the digits. */
static void out_num(struct outbuf *o, const struct spec *sp, uintmax_t v, bool neg)
{
	const char *digits = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned int base = sp->conv == 'o' ? 8 : sp->conv == 'x' || sp->conv == 'X' ? 16 : 10;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';
	char tmp[24], prefix[3] = "";
	size_t n = 0, zeros, used;

	for (; v; v /= base)
		tmp[n++] = digits[v % base];
	/* With a precision of 0 the value 0 has no digit; otherwise it is "0". */
	if (sp->prec >= 0)
		zeros = (size_t)sp->prec > n ? (size_t)sp->prec - n : 0;
	else
		zeros = n == 0;
	if (neg)
		prefix[0] = '-';
	else if (is_signed && (sp->plus || sp->space))
		prefix[0] = sp->plus ? '+' : ' ';
	else if (sp->alt && base == 16 && n > 0)
		prefix[0] = '0', prefix[1] = sp->conv;
	else if (sp->alt && base == 8 && zeros == 0)
		zeros = 1;
	used = strlen(prefix) + zeros + n;
	if (!sp->left && !(sp->zero && sp->prec < 0))
		out_pad(o, ' ', sp->width, used);
	for (const char *p = prefix; *p; p++)
		out_char(o, *p);
	if (!sp->left && sp->zero && sp->prec < 0)
		out_pad(o, '0', sp->width, used);
	while (zeros--)
		out_char(o, '0');
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', sp->width, used);
}

static void out_str(struct outbuf *o, const struct spec *sp, const char *s)
{
	size_t n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < (size_t)sp->prec))
		n++;
	if (!sp->left)
		out_pad(o, ' ', sp->width, n);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width, n);
}

static unsigned int parse_digits(const char **f)
{
	unsigned int v = 0;

	while (**f >= '0' && **f <= '9')
		v = v * 10 + (unsigned int)(*(*f)++ - '0');
	return v;
}

/* Reads one conversion specification after its '%'; a '*' takes its int
 * from ap. Returns the conversion character's position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		sp->width = (unsigned int)w;
		/* A negative width is the '-' flag and its magnitude. */
		if (w < 0) {
			sp->left = true;
			sp->width = 0u - sp->width;
		}
	} else {
		sp->width = parse_digits(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);

			f++;
			sp->prec = p < 0 ? -1 : p; /* negative: as if none were given */
		} else {
			sp->prec = (int)parse_digits(&f);
		}
	}
	if (f[0] == 'h' && f[1] == 'h')
		sp->len = LEN_HH, f += 2;
	else if (f[0] == 'l' && f[1] == 'l')
		sp->len = LEN_LL, f += 2;
	else if (*f == 'h')
		sp->len = LEN_H, f++;
	else if (*f == 'l')
		sp->len = LEN_L, f++;
	else if (*f == 'z')
		sp->len = LEN_Z, f++;
	else if (*f == 'j')
		sp->len = LEN_J, f++;
	else if (*f == 't')
		sp->len = LEN_T, f++;
	sp->conv = *f;
	return f;
}

static intmax_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z: /* the signed type of size_t's width */
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_INT:
		break;
	}
	return va_arg(*ap, int);
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_INT:
		break;
	}
	return va_arg(*ap, unsigned int);
}

static void convert(struct outbuf *o, struct spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = arg_signed(ap, sp->len);

		/* Negated in unsigned arithmetic, so INTMAX_MIN survives. */
		out_num(o, sp, v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v, v < 0);
		break;
	}
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		out_num(o, sp, arg_unsigned(ap, sp->len), false);
		break;
	case 'p': {
		uintptr_t p = (uintptr_t)va_arg(*ap, void *);

		if (!p) {
			sp->prec = -1;
			out_str(o, sp, "(nil)");
			break;
		}
		sp->conv = 'x';
		sp->alt = true;
		out_num(o, sp, p, false);
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		if (!sp->left)
			out_pad(o, ' ', sp->width, 1);
		out_char(o, c);
		if (sp->left)
			out_pad(o, ' ', sp->width, 1);
		break;
	}
	case 's':
		out_str(o, sp, va_arg(*ap, const char *));
		break;
	case '%':
		out_char(o, '%');
		break;
	default:
		out_char(o, '%');
		out_char(o, sp->conv);
		break;
	}
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };
	struct spec sp;
	va_list args;

	/* A copy, so the helpers can take its address on every ABI. */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		fmt++;
		convert(&o, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
