/**
 * A workspace's brand colour, made safe to use: WCAG 2.x contrast (relative luminance) decides the text colour
 * on it, and the shade used for links and text on white, so a brand too light for white text (a yellow, a pale
 * blue) still gives readable buttons and links. Used by the team's pages, the respondent's pages and emails.
 */

/** Rapport's own blue, when a workspace has not chosen a colour. */
export const DEFAULT_BRAND = '#1f4fd1';
const WHITE = '#ffffff';
/** The pages' ink (--ink in app.css). */
const INK = '#18202f';
/** WCAG AA for normal text. */
export const AA = 4.5;

export const HEX_COLOR = /^#[0-9a-f]{6}$/;

type Rgb = [number, number, number];

const toRgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const toHex = (rgb: Rgb) => '#' + rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');

/** WCAG 2.x relative luminance of an sRGB colour. */
export function luminance(hex: string): number {
  const [r, g, b] = toRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours, from 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `hex` mixed with `other`, `amount` (0–1) of the other. */
const mix = (hex: string, other: string, amount: number) => {
  const a = toRgb(hex);
  const b = toRgb(other);
  return toHex(a.map((c, i) => c + (b[i]! - c) * amount) as Rgb);
};

/** The colour darkened (in steps towards black) until it reaches `ratio` against `background`. */
function darkenUntil(hex: string, background: string, ratio: number): string {
  for (let step = 0; step <= 20; step++) {
    const shade = mix(hex, '#000000', step / 20);
    if (contrast(shade, background) >= ratio) return shade;
  }
  return '#000000';
}

export type BrandPalette = {
  /** The colour chosen. */
  chosen: string;
  /** Buttons and marks are filled with it: the chosen colour, unless no text colour reaches AA on it. */
  brand: string;
  /** Text on the brand: white when it reaches AA on it, else the dark ink (whichever contrasts more). */
  onBrand: string;
  /** The brand as text and links on white and on its tint (AA), darkened only as much as that needs. */
  brandInk: string;
  /** A very light background of the brand (current-page tab, score buttons in emails). */
  brandTint: string;
  /** The contrast of onBrand on brand, and of brandInk on the tint, for the settings page to show. */
  onBrandRatio: number;
  inkRatio: number;
  /** True when white text on the brand would fail AA, so dark text is used. */
  darkText: boolean;
};

/** The palette of a workspace's brand colour (null: Rapport's own). */
export function brandPalette(color: string | null | undefined): BrandPalette {
  const chosen = color && HEX_COLOR.test(color) ? color : DEFAULT_BRAND;
  const onWhite = contrast(WHITE, chosen);
  const onInk = contrast(INK, chosen);
  // A mid-tone where neither white nor ink reaches AA: the fill is darkened just enough for white text.
  const midTone = Math.max(onWhite, onInk) < AA;
  const darkText = !midTone && onWhite < AA;
  const brand = midTone ? darkenUntil(chosen, WHITE, AA) : chosen;
  const onBrand = darkText ? INK : WHITE;
  const brandTint = mix(chosen, WHITE, 0.9);
  const brandInk = darkenUntil(chosen, brandTint, AA);
  return {
    chosen,
    brand,
    onBrand,
    brandInk,
    brandTint,
    onBrandRatio: round(contrast(onBrand, brand)),
    inkRatio: round(contrast(brandInk, brandTint)),
    darkText,
  };
}

const round = (n: number) => Math.floor(n * 10) / 10;

/**
 * The palette as CSS custom properties for a <style> element. Every value is a #rrggbb computed above (the
 * chosen colour is checked against HEX_COLOR), so nothing a person typed reaches the stylesheet.
 */
export const brandCss = (p: BrandPalette) =>
  `:root{--brand:${p.brand};--on-brand:${p.onBrand};--brand-ink:${p.brandInk};--brand-tint:${p.brandTint}}`;
