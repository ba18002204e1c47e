/* test-portal-html.c - proves the portal cannot put data into a page raw:
 * HTML escaping (html.h) of < > & and both quotes (already escaped text
 * escaped again, control bytes made U+FFFD, UTF-8 unchanged); templates (template.h) escape {{text}}, take
 * {{{html}}} only from HTML values and refuse a mismatch, a missing value
 * and bad syntax (with the line number); a page's layout composes only
 * with a title line and a body; pages with token slots (page.h) fill every
 * slot with the CSRF token, at most TMPL_SLOTS_MAX of them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "portal/html.h"
#include "portal/page.h"
#include "portal/template.h"

static char *escaped(const char *s, size_t len) {
        struct buf b = { 0 };

        html_escape(&b, s, len);
        return buf_steal(&b, NULL, NULL);
}

#define CHECK_ESCAPE(in, want) do {                                     \
        char *e_ = escaped(in, sizeof (in) - 1);                        \
        CHECK_STR(e_, want);                                            \
        free(e_);                                                       \
} while (0)

static void test_escape(void) {
        CHECK_ESCAPE("", "");
        CHECK_ESCAPE("plain text", "plain text");
        CHECK_ESCAPE("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
        CHECK_ESCAPE("a & b", "a &amp; b");
        CHECK_ESCAPE("&amp;", "&amp;amp;");                     /* escaped again, not trusted */
        CHECK_ESCAPE("\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;");
        CHECK_ESCAPE("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
        CHECK_ESCAPE("\xc3\xa9t\xc3\xa9 \xe2\x80\x93", "\xc3\xa9t\xc3\xa9 \xe2\x80\x93");   /* UTF-8 unchanged */
        CHECK_ESCAPE("tab\tlf\ncr\r", "tab\tlf\ncr\r");
        CHECK_ESCAPE("nul\x01" "del\x7f", "nul\xef\xbf\xbd" "del\xef\xbf\xbd");
        CHECK_ESCAPE("<<>>", "&lt;&lt;&gt;&gt;");
        /* only LEN bytes */
        char *e = escaped("ab<c", 3);
        CHECK_STR(e, "ab&lt;");
        free(e);
        /* a long run, to cross the buffer's first growth */
        char big[5000];
        memset(big, '<', sizeof big);
        e = escaped(big, sizeof big);
        CHECK(e && strlen(e) == 4 * sizeof big);
        free(e);
}

static struct tmpl *parse(const char *text) {
        struct tmpl *t = NULL;
        char error[160];

        if (tmpl_parse(text, strlen(text), &t, error, sizeof error) < 0)
                return NULL;
        return t;
}

static int render(const char *text, const struct tmpl_var *vars, size_t n, char **out) {
        struct tmpl *t = parse(text);
        struct buf b = { 0 };
        size_t slots[TMPL_SLOTS_MAX], n_slots;
        int r;

        *out = NULL;
        if (!t)
                return -EBADMSG;
        r = tmpl_render(t, vars, n, &b, slots, &n_slots);
        tmpl_free(t);
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *out = buf_steal(&b, NULL, NULL);
        return 0;
}

static void test_template(void) {
        const struct tmpl_var vars[] = {
                { "name", TMPL_TEXT, "<b>Ada & \"Co\"</b>" },
                { "rows", TMPL_HTML, "<tr><td>1</td></tr>" },
                { "empty", TMPL_TEXT, NULL },
                { "token", TMPL_SLOT, NULL },
                { "name", TMPL_TEXT, "shadowed" },
        };
        char *out, error[160];
        struct tmpl *t;

        CHECK(render("<h1>{{name}}</h1><table>{{{rows}}}</table>[{{empty}}]", vars, 5, &out) == 0);
        CHECK_STR(out, "<h1>&lt;b&gt;Ada &amp; &quot;Co&quot;&lt;/b&gt;</h1><table><tr><td>1</td></tr></table>[]");
        free(out);
        CHECK(render("", vars, 5, &out) == 0);
        CHECK_STR(out, "");
        free(out);
        CHECK(render("no placeholders { } {x} }}", vars, 5, &out) == 0);
        CHECK_STR(out, "no placeholders { } {x} }}");
        free(out);
        CHECK(render("{{name}}{{name}}", vars, 1, &out) == 0);                       /* twice */
        free(out);

        /* the kinds must fit: data never goes out raw by a slip in a template */
        CHECK(render("{{{name}}}", vars, 5, &out) == -EINVAL);
        CHECK(render("{{rows}}", vars, 5, &out) == -EINVAL);
        CHECK(render("{{{token}}}", vars, 5, &out) == -EINVAL);
        /* every placeholder needs a value */
        CHECK(render("{{missing}}", vars, 5, &out) == -ENOENT);

        /* syntax */
        CHECK(parse("{{}}") == NULL);
        CHECK(parse("{{ name }}") == NULL);
        CHECK(parse("{{Name}}") == NULL);
        CHECK(parse("{{name}") == NULL);
        CHECK(parse("{{name") == NULL);
        CHECK(parse("{{{name}}") == NULL);
        CHECK(parse("{{name-x}}") == NULL);
        CHECK(parse("{{abcdefghijklmnopqrstuvwxyz0123456789}}") == NULL);            /* over TMPL_NAME_MAX */
        CHECK(tmpl_parse("a\nb\n{{bad", 9, &t, error, sizeof error) == -EINVAL);
        CHECK(strncmp(error, "line 3:", 7) == 0);
        CHECK(tmpl_parse("a\0b", 3, &t, error, sizeof error) == -EINVAL);
}

static void test_page(void) {
        const struct tmpl_var vars[] = {
                { "csrf", TMPL_SLOT, NULL },
                { "who", TMPL_TEXT, "<x>" },
        };
        struct tmpl *t = parse("<input value=\"{{csrf}}\">{{who}}<input value=\"{{csrf}}\">");
        struct page *p = NULL;
        size_t len;
        char *text;

        CHECK(t != NULL);
        if (!t)
                return;
        CHECK(page_render(t, vars, 2, &p) == 0);
        CHECK(p && p->n_slots == 2);
        CHECK_STR(p->text, "<input value=\"\">&lt;x&gt;<input value=\"\">");
        text = page_fill(p, "0123456789abcdef0123456789abcdef", 32, &len);
        CHECK_STR(text, "<input value=\"0123456789abcdef0123456789abcdef\">&lt;x&gt;"
                        "<input value=\"0123456789abcdef0123456789abcdef\">");
        CHECK(len == strlen(text));
        free(text);
        page_free(p);

        /* at most TMPL_SLOTS_MAX slots */
        tmpl_free(t);
        t = parse("{{csrf}}{{csrf}}{{csrf}}{{csrf}}{{csrf}}");
        CHECK(page_render(t, vars, 2, &p) == -E2BIG);
        tmpl_free(t);

        /* a page without slots */
        t = parse("just {{who}}");
        CHECK(page_render(t, vars, 2, &p) == 0);
        text = page_fill(p, "tok", 3, &len);
        CHECK_STR(text, "just &lt;x&gt;");
        free(text);
        page_free(p);
        tmpl_free(t);
}

/* A page in the shared layout: its first line for <!--title-->, the rest for <!--main-->. */
static void test_compose(void) {
        const char *layout = "<head>\n<!--title-->\n</head><main>\n<!--main-->\n</main>\n";
        struct buf out = { 0 };
        char error[160], *text;
        size_t len;
        int r;

        CHECK(tmpl_compose(layout, "<title>{{t}}</title>\n<h1>A</h1>\n<p>b</p>\n", &out, error, sizeof error) == 0);
        text = buf_steal(&out, &len, &r);
        CHECK_STR(text, "<head>\n<title>{{t}}</title>\n</head><main>\n<h1>A</h1>\n<p>b</p>\n</main>\n");
        free(text);

        CHECK(tmpl_compose(layout, "<h1>no title</h1>\n", &out, error, sizeof error) == -EINVAL);
        CHECK(strstr(error, "<title>") != NULL);
        CHECK(tmpl_compose(layout, "<title>x</title>", &out, error, sizeof error) == -EINVAL);     /* no body line */
        CHECK(tmpl_compose("<!--main-->\n<!--title-->\n", "<title>x</title>\n", &out, error, sizeof error) == -EINVAL);
        CHECK(tmpl_compose("no marks\n", "<title>x</title>\n", &out, error, sizeof error) == -EINVAL);
        CHECK(out.len == 0);                    /* a refused page appends nothing */
        buf_done(&out);
}

int main(void) {
        test_escape();
        test_template();
        test_compose();
        test_page();
        return check_finish("portal-html");
}
