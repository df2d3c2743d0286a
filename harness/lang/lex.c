/* Lines and tokens of the text form. A token is a word - a run of
 * letters, digits, '_', '+' and '-' (names, op names, numbers, 4K+1) - or
 * a lone '=' (so "p0=kmalloc 8" and "align=32" split the same way).
 * '#' starts a comment; spaces and tabs separate; anything else outside a
 * comment is a bad character. Columns count bytes from 1. */
#include <string.h>

#include "lang_internal.h"

/* Splits off the line at *pos. A CR before the newline (or at the end of
 * the text) belongs to a CRLF line ending and is dropped. */
int line_next(const char *text, size_t len, size_t *pos, struct line *ln)
{
	size_t start = *pos, end;

	if (start >= len)
		return 0;
	end = start;
	while (end < len && text[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : end;
	if (end > start && text[end - 1] == '\r')
		end--;
	ln->s = text + start;
	ln->len = end - start;
	ln->lineno++;
	return 1;
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '-';
}

static void add_tok(struct line *ln, size_t start, size_t end)
{
	/* No statement has more than 9 tokens, so a longer line fails as
	 * "extra argument" on a stored token before the dropped ones. */
	if (ln->ntok < LINE_MAX_TOKS) {
		struct tok *t = &ln->tok[ln->ntok++];
		t->s = ln->s + start;
		t->len = (int)(end - start);
		t->col = (int)start + 1;
	}
	ln->end_col = (int)end + 1;
}

int line_lex(struct line *ln)
{
	size_t i = 0;

	ln->ntok = 0;
	ln->end_col = 1;
	while (i < ln->len) {
		char c = ln->s[i];
		size_t start = i;

		if (c == '#')
			break;
		if (c == ' ' || c == '\t') {
			i++;
		} else if (c == '=') {
			add_tok(ln, i, i + 1);
			i++;
		} else if (is_word_char(c)) {
			while (i < ln->len && is_word_char(ln->s[i]))
				i++;
			add_tok(ln, start, i);
		} else {
			return (int)i + 1;
		}
	}
	return 0;
}

int tok_is(const struct tok *t, const char *word)
{
	return (size_t)t->len == strlen(word) && memcmp(t->s, word, (size_t)t->len) == 0;
}
