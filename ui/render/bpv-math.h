/* bpv-math.h — formulas as people read them.
 *
 * Plugin descriptors and the built-ins write their formulas in a small
 * subset of TeX mixed with Unicode ("σ(z)_i = e^{z_i} / Σ_k e^{z_k}",
 * "\\frac{1}{2}\\sigma(z)").  Shown as they are, a lecture hall reads
 * "e^{z}"; bpv_math_to_markup turns them into Pango markup that every
 * GTK label, tooltip and row subtitle (with markup on) renders as math:
 *
 *   x_k, x_{ij}, x^2, x^{−z}   → <sub>…</sub>, <sup>…</sup> (nested as needed);
 *                                an unbraced script takes one word
 *                                ("g_prev", "δ_ij", "z^12") or one character
 *   \alpha … \omega, \Gamma … → Greek letters
 *   \sum \prod \cdot \times \pm \le \ge \ne \approx \infty \partial \nabla
 *   \to \leftarrow \odot \in \ldots …  → their symbols
 *   \frac{a}{b}                → a/b, with parentheses round a part that is
 *                                more than one word: (a + 1)/(2b)
 *   \sqrt{x}                   → √x, or √(x + 1)
 *   \hat{m}, \bar{x}, \tilde{x} → m̂, x̄, x̃ (combining marks)
 *   \mathrm{…}, \text{…}, \operatorname{…}, \left, \right, \, \; \quad
 *   any other \name            → "name" (function names: \tanh, \erf)
 *   &, <, >                    → escaped; \{ \} \_ \& \% \$ \# → the character
 *
 * Text without TeX is returned escaped and otherwise unchanged, so a
 * formula already written in Unicode stays as it is.  GTK-free (GLib only).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pango markup for `tex` (NULL gives "").  Free with g_free. */
char *bpv_math_to_markup      (const char *tex);
/* The same, but a script that Unicode can write in sub- or superscript
 * characters is written so ("yₖ", "e⁻ᶻ", "g_prev" → "gₚᵣₑᵥ"), and only the
 * others as <sub>/<sup>.  For one-line labels that ellipsize: Pango 1.50
 * warns ("Leftover font scales") when it cuts a <sub> off. */
char *bpv_math_to_markup_flat (const char *tex);

G_END_DECLS
