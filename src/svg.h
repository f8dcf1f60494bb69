/*
 * svg.h - the small pieces the HTML report is written with: text escaped for
 * HTML and XML, and SVG elements with coordinates rounded to 0.1 px.  Colours
 * are never written here: every element gets a class, and the page's style
 * sheet colours it (light, dark and print from one drawing).
 */
#ifndef HSA_SVG_H
#define HSA_SVG_H

#include <stdio.h>

/* s with & < > " ' escaped; safe in text and in quoted attributes. */
void hsa_html_escape(FILE *out, const char *s);
/* printf, then escaped. */
void hsa_html_printf(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* <svg> with a viewBox of w x h and an accessible name; closed by
 * hsa_svg_end(). */
void hsa_svg_begin(FILE *out, double w, double h, const char *cls,
    const char *label);
void hsa_svg_end(FILE *out);

void hsa_svg_line(FILE *out, double x1, double y1, double x2, double y2,
    const char *cls);
void hsa_svg_rect(FILE *out, double x, double y, double w, double h,
    const char *cls);
/* anchor: "start", "middle" or "end".  The text is escaped. */
void hsa_svg_text(FILE *out, double x, double y, const char *anchor,
    const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* An open polyline: points_begin, then point per vertex, then points_end. */
void hsa_svg_points_begin(FILE *out, const char *cls);
void hsa_svg_point(FILE *out, double x, double y);
void hsa_svg_points_end(FILE *out);

#endif
