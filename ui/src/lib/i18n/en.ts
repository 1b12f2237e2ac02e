// English strings. Every key here must exist in es.ts (the type system checks it).
export const en = {
  'app.title': 'Rampart Console',
  'app.tagline': 'Secure live chat for support teams',
  'welcome.heading': 'Welcome to Rampart Console',
  'welcome.body':
    'Customer data stays masked on your screen, encrypted on this laptop and out of the logs.',
  'welcome.setupPending': 'Sign-in arrives with the next release of the console.',
  'status.version': 'Version {version}',
  'status.build.debug': 'Development build',
  'status.build.release': 'Release build',
  'status.loading': 'Starting…',
  'status.error': 'The console core did not answer: {message}',
  'settings.theme': 'Theme',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',
  'settings.language': 'Language',
} as const;

export type MessageKey = keyof typeof en;
