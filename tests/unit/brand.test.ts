import { AA, brandCss, brandPalette, contrast, DEFAULT_BRAND, luminance } from '../../src/platform/brand';

describe('brand palette (WCAG contrast)', () => {
  it('computes WCAG luminance and contrast: white on black is 21:1, #767676 on white is 4.54:1', () => {
    expect(luminance('#ffffff')).toBeCloseTo(1, 5);
    expect(luminance('#000000')).toBe(0);
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrast('#ffffff', '#767676')).toBe(contrast('#767676', '#ffffff'));
  });

  it('a dark brand keeps white text and is its own link colour', () => {
    const p = brandPalette('#0b3d2e');
    expect(p).toMatchObject({
      chosen: '#0b3d2e',
      brand: '#0b3d2e',
      onBrand: '#ffffff',
      brandInk: '#0b3d2e',
      darkText: false,
    });
  });

  it('a brand too light for white text (yellow) gets dark text, and a darker shade for links', () => {
    const p = brandPalette('#ffd400');
    expect(contrast('#ffffff', '#ffd400')).toBeLessThan(AA);
    expect(p.darkText).toBe(true);
    expect(p.onBrand).toBe('#18202f');
    expect(p.brand).toBe('#ffd400');
    expect(contrast(p.onBrand, p.brand)).toBeGreaterThanOrEqual(AA);
    expect(p.brandInk).not.toBe('#ffd400');
    expect(contrast(p.brandInk, '#ffffff')).toBeGreaterThanOrEqual(AA);
    expect(contrast(p.brandInk, p.brandTint)).toBeGreaterThanOrEqual(AA);
  });

  it('every colour gives AA pairs: text on the fill, links on white and on the tint', () => {
    for (let i = 0; i < 4096; i++) {
      const hex = '#' + [i >> 8, (i >> 4) & 15, i & 15].map((n) => (n * 17).toString(16).padStart(2, '0')).join('');
      const p = brandPalette(hex);
      expect({ hex, ok: contrast(p.onBrand, p.brand) >= AA }).toEqual({ hex, ok: true });
      expect({ hex, ok: contrast(p.brandInk, p.brandTint) >= AA && contrast(p.brandInk, '#ffffff') >= AA }).toEqual({
        hex,
        ok: true,
      });
    }
  });

  it('anything but #rrggbb is Rapport’s own colour, and the CSS holds only computed hex values', () => {
    expect(brandPalette(null).brand).toBe(DEFAULT_BRAND);
    expect(brandPalette('red;}</style><script>').brand).toBe(DEFAULT_BRAND);
    expect(brandCss(brandPalette('#ffd400'))).toMatch(/^:root\{(--[a-z-]+:#[0-9a-f]{6};?)+\}$/);
  });
});
