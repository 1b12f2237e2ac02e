// Light and dark themes. Follows the OS preference until the agent chooses.
export type Theme = 'light' | 'dark';

function systemTheme(): Theme {
  if (typeof window === 'undefined' || !window.matchMedia) return 'light';
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const state = $state<{ theme: Theme }>({ theme: systemTheme() });

function apply(theme: Theme): void {
  if (typeof document !== 'undefined') {
    document.documentElement.dataset.theme = theme;
  }
}

apply(state.theme);

export const theme = {
  get current(): Theme {
    return state.theme;
  },
  set(value: Theme): void {
    state.theme = value;
    apply(value);
  },
  toggle(): void {
    this.set(state.theme === 'dark' ? 'light' : 'dark');
  },
};
