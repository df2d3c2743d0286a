/* hlibc: vsnprintf and snprintf. Covers what the harness's formats use -
 * flags - + space # 0, a width and a precision (digits or *), the length
 * modifiers hh h l ll z j t, and d i u x X o c s p % - with C's rules, so
 * a report reads byte for byte as the hosted build's. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len; /* len counts every byte, even those past size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, plus, space, alt, zero;
	int width, prec; /* prec < 0: none given */
	char conv;
};

/* One number: sign or prefix, zero padding to the precision, then to the
 * width when '0' is set (and no precision, as C says). */
static void put_number(struct out *o, const struct spec *s, uintmax_t v, bool neg)
{
	const char *digits = s->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned int base = s->conv == 'o' ? 8 : (s->conv == 'x' || s->conv == 'X') ? 16 : 10;
	char tmp[24], prefix[3] = "";
	int n = 0, zeros, pad;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	/* "%.0d" of 0 prints no digit; otherwise 0 is "0". */
	zeros = s->prec >= 0 ? s->prec - n : (n == 0 ? 1 : 0);
	if (zeros < 0)
		zeros = 0;
	if (neg)
		prefix[0] = '-';
	else if (s->plus && (s->conv == 'd' || s->conv == 'i'))
		prefix[0] = '+';
	else if (s->space && (s->conv == 'd' || s->conv == 'i'))
		prefix[0] = ' ';
	else if (s->alt && base == 16 && n > 0)
		prefix[0] = '0', prefix[1] = s->conv;
	else if (s->alt && base == 8 && zeros == 0)
		zeros = 1;
	pad = s->width - (int)strlen(prefix) - zeros - n;
	if (!s->left && !(s->zero && s->prec < 0))
		put_n(o, ' ', pad);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	if (!s->left && s->zero && s->prec < 0)
		put_n(o, '0', pad);
	put_n(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (s->left)
		put_n(o, ' ', pad);
}

static void put_string(struct out *o, const struct spec *s, const char *str)
{
	size_t n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (s->prec < 0 || n < (size_t)s->prec))
		n++;
	if (!s->left)
		put_n(o, ' ', s->width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(o, str[i]);
	if (s->left)
		put_n(o, ' ', s->width - (int)n);
}

static int parse_int(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9')
		v = v * 10 + (*(*fmt)++ - '0');
	return v;
}

/* Reads an integer argument of the given length modifier; va_list is
 * passed by pointer so the caller's position advances. */
static uintmax_t arg_unsigned(va_list *ap, const char *len)
{
	if (!strcmp(len, "hh"))
		return (unsigned char)va_arg(*ap, unsigned int);
	if (!strcmp(len, "h"))
		return (unsigned short)va_arg(*ap, unsigned int);
	if (!strcmp(len, "l"))
		return va_arg(*ap, unsigned long);
	if (!strcmp(len, "ll"))
		return va_arg(*ap, unsigned long long);
	if (!strcmp(len, "z"))
		return va_arg(*ap, size_t);
	if (!strcmp(len, "j"))
		return va_arg(*ap, uintmax_t);
	if (!strcmp(len, "t"))
		return (uintmax_t)va_arg(*ap, ptrdiff_t);
	return va_arg(*ap, unsigned int);
}

static intmax_t arg_signed(va_list *ap, const char *len)
{
	if (!strcmp(len, "hh"))
		return (signed char)va_arg(*ap, int);
	if (!strcmp(len, "h"))
		return (short)va_arg(*ap, int);
	if (!strcmp(len, "l"))
		return va_arg(*ap, long);
	if (!strcmp(len, "ll"))
		return va_arg(*ap, long long);
	if (!strcmp(len, "z") || !strcmp(len, "t"))
		return va_arg(*ap, ptrdiff_t);
	if (!strcmp(len, "j"))
		return va_arg(*ap, intmax_t);
	return va_arg(*ap, int);
}

static void convert(struct out *o, struct spec *s, const char *len, va_list *ap)
{
	intmax_t v;
	char c;

	switch (s->conv) {
	case 'd':
	case 'i':
		v = arg_signed(ap, len);
		put_number(o, s, v < 0 ? -(uintmax_t)v : (uintmax_t)v, v < 0);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		put_number(o, s, arg_unsigned(ap, len), false);
		break;
	case 'p':
		/* glibc's form: 0x and the hex digits, "(nil)" for NULL. */
		s->conv = 'x';
		s->alt = true;
		v = (intmax_t)(uintptr_t)va_arg(*ap, void *);
		if (v)
			put_number(o, s, (uintptr_t)v, false);
		else
			put_string(o, &(struct spec){ .width = s->width, .left = s->left,
						      .prec = -1 }, "(nil)");
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		if (!s->left)
			put_n(o, ' ', s->width - 1);
		put(o, c);
		if (s->left)
			put_n(o, ' ', s->width - 1);
		break;
	case 's':
		put_string(o, s, va_arg(*ap, const char *));
		break;
	default:
		/* '%' and anything unknown print as themselves. */
		put(o, s->conv);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct spec s = { .prec = -1 };
		char len[3] = "";
		int n = 0;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-') s.left = true;
			else if (*fmt == '+') s.plus = true;
			else if (*fmt == ' ') s.space = true;
			else if (*fmt == '#') s.alt = true;
			else if (*fmt == '0') s.zero = true;
			else break;
		}
		if (*fmt == '*') {
			fmt++;
			s.width = va_arg(args, int);
			if (s.width < 0) {
				s.left = true;
				s.width = -s.width;
			}
		} else {
			s.width = parse_int(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				s.prec = va_arg(args, int);
				if (s.prec < 0)
					s.prec = -1;
			} else {
				s.prec = parse_int(&fmt);
			}
		}
		while (n < 2 && (*fmt == 'h' || *fmt == 'l' || *fmt == 'z' ||
				 *fmt == 'j' || *fmt == 't'))
			len[n++] = *fmt++;
		if (!*fmt)
			break;
		s.conv = *fmt++;
		convert(&o, &s, len, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
