/* A small printf for the kernel: bounded formatting plus a console writer.
 * Supports the flags '-' and '0', a field width, the length modifiers
 * hh h l ll z and the conversions d i u x X p s c %. */
#include "arch.h"
#include "lib.h"

/* Bigger messages are cut, never split: one printk is one console write. */
#define PRINTK_BUF 512

struct outbuf {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even those that did not fit */
};

struct spec {
	bool left;       /* '-' */
	bool zero;       /* '0' */
	unsigned int width;
	int longs;       /* -2 hh, -1 h, 0 int, 1 l, 2 ll, 3 z */
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct outbuf *o, char c, unsigned int n)
{
	while (n--)
		out_char(o, c);
}

static void out_str(struct outbuf *o, const char *s, const struct spec *sp)
{
	unsigned int n = (unsigned int)strlen(s);
	unsigned int pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		out_pad(o, ' ', pad);
	while (*s)
		out_char(o, *s++);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static void out_num(struct outbuf *o, unsigned long long v, bool neg,
		    unsigned int base, bool upper, const char *prefix,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned int n = 0, len, pad;
	unsigned int plen = (unsigned int)strlen(prefix) + (neg ? 1 : 0);

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + plen;
	pad = sp->width > len ? sp->width - len : 0;

	/* Zero padding goes between the sign/prefix and the digits. */
	if (!sp->left && !sp->zero)
		out_pad(o, ' ', pad);
	if (neg)
		out_char(o, '-');
	while (*prefix)
		out_char(o, *prefix++);
	if (!sp->left && sp->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned int)(*f++ - '0');
	for (;; f++) {
		if (*f == 'l')
			sp->longs = sp->longs < 1 ? 1 : 2;
		else if (*f == 'h')
			sp->longs = sp->longs == -1 ? -2 : -1;
		else if (*f == 'z')
			sp->longs = 3;
		else
			break;
	}
	return f;
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };
	struct spec sp;

	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		char conv = *fmt;
		if (conv == '\0')
			break;
		fmt++;

		switch (conv) {
		case 'd':
		case 'i': {
			long long v;
			if (sp.longs == 2)
				v = va_arg(ap, long long);
			else if (sp.longs == 1)
				v = va_arg(ap, long);
			else if (sp.longs == 3)
				v = (long long)(ptrdiff_t)va_arg(ap, size_t);
			else
				v = va_arg(ap, int);
			if (sp.longs == -1)
				v = (short)v;
			else if (sp.longs == -2)
				v = (signed char)v;
			/* Negate in unsigned arithmetic so LLONG_MIN survives. */
			unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
						     : (unsigned long long)v;
			out_num(&o, u, v < 0, 10, false, "", &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v;
			if (sp.longs == 2)
				v = va_arg(ap, unsigned long long);
			else if (sp.longs == 1)
				v = va_arg(ap, unsigned long);
			else if (sp.longs == 3)
				v = va_arg(ap, size_t);
			else
				v = va_arg(ap, unsigned int);
			if (sp.longs == -1)
				v = (unsigned short)v;
			else if (sp.longs == -2)
				v = (unsigned char)v;
			out_num(&o, v, false, conv == 'u' ? 10 : 16, conv == 'X', "", &sp);
			break;
		}
		case 'p':
			out_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", &sp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			out_str(&o, s ? s : "(null)", &sp);
			break;
		}
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown conversion: show it rather than guess its argument. */
			out_char(&o, '%');
			out_char(&o, conv);
			break;
		}
	}
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

void printk(const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	arch_console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
