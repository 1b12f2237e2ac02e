import type { MessageKey } from './en';

// Spanish strings. `satisfies` makes a missing or extra key a type error.
export const es = {
  'app.title': 'Rampart Console',
  'app.tagline': 'Chat en vivo seguro para equipos de soporte',
  'welcome.heading': 'Bienvenido a Rampart Console',
  'welcome.body':
    'Los datos de los clientes quedan enmascarados en pantalla, cifrados en este portátil y fuera de los registros.',
  'welcome.setupPending': 'El inicio de sesión llega con la próxima versión de la consola.',
  'status.version': 'Versión {version}',
  'status.build.debug': 'Compilación de desarrollo',
  'status.build.release': 'Compilación de producción',
  'status.loading': 'Iniciando…',
  'status.error': 'El núcleo de la consola no respondió: {message}',
  'settings.theme': 'Tema',
  'settings.theme.light': 'Claro',
  'settings.theme.dark': 'Oscuro',
  'settings.language': 'Idioma',
} as const satisfies Record<MessageKey, string>;
