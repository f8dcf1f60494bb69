/*
 * svg.c - escaped text and SVG elements for the HTML report (svg.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "svg.h"

/* Longer formatted text is cut: every caller writes short labels. */
#define SVG_TEXT_MAX 512

void hsa_html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out); break;
		}
	}
}

static void vescape(FILE *out, const char *fmt, va_list ap)
{
	char buf[SVG_TEXT_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	hsa_html_escape(out, buf);
}

void hsa_html_printf(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vescape(out, fmt, ap);
	va_end(ap);
}

void hsa_svg_begin(FILE *out, double w, double h, const char *cls,
    const char *label)
{
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" "
	    "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
	    "role=\"img\" aria-label=\"", cls, w, h, w, h);
	hsa_html_escape(out, label);
	fputs("\">\n", out);
}

void hsa_svg_end(FILE *out)
{
	fputs("</svg>\n", out);
}

void hsa_svg_line(FILE *out, double x1, double y1, double x2, double y2,
    const char *cls)
{
	fprintf(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	    cls, x1, y1, x2, y2);
}

void hsa_svg_rect(FILE *out, double x, double y, double w, double h,
    const char *cls)
{
	fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
	    cls, x, y, w < 0 ? 0 : w, h < 0 ? 0 : h);
}

void hsa_svg_text(FILE *out, double x, double y, const char *anchor,
    const char *cls, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
	    cls, x, y, anchor);
	va_start(ap, fmt);
	vescape(out, fmt, ap);
	va_end(ap);
	fputs("</text>\n", out);
}

void hsa_svg_points_begin(FILE *out, const char *cls)
{
	fprintf(out, "<polyline class=\"%s\" points=\"", cls);
}

void hsa_svg_point(FILE *out, double x, double y)
{
	fprintf(out, "%.1f,%.1f ", x, y);
}

void hsa_svg_points_end(FILE *out)
{
	fputs("\"/>\n", out);
}
