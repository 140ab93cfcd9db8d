import { createTheme, darken, defaultVariantColorsResolver, parseThemeColor, type VariantColorsResolver } from '@mantine/core';

/**
 * Light-variant text (badges, alerts, light buttons) one step darker than Mantine's shade 9, so
 * every colour, green and orange included, passes WCAG AA on its tinted background.
 */
const readableLightVariants: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  const palette = input.theme.colors[parsed.color];
  if (input.variant === 'light' && parsed.isThemeColor && palette) return { ...colors, color: darken(palette[9], 0.25) };
  return colors;
};

/** Calm and legible: system fonts, indigo accents with AA contrast, generous radius. */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 7,
  defaultRadius: 'md',
  focusRing: 'auto',
  cursorType: 'pointer',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  variantColorResolver: readableLightVariants,
  components: {
    Badge: { defaultProps: { variant: 'light', radius: 'sm' }, styles: { root: { textTransform: 'none' } } },
    // With a variant set, NavLink takes its colours from the resolver above (active + hover stays AA).
    NavLink: { defaultProps: { variant: 'light' } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
    // Long values (emails, ids) wrap instead of widening the page on phones.
    DataList: { styles: { itemValue: { flex: 1, minWidth: 0, overflowWrap: 'anywhere' } } },
  },
});

/**
 * Dimmed text in gray 7, not 6, which is too faint on white for small print; errors (a field's
 * message and its text) in red 9, not 6, for the same reason.
 */
export const cssVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});
