// Canned replies, in the visitor's language. They never ask the visitor to type card numbers or
// IDs into the chat: sensitive data goes through a secure form.
import type { Locale } from './i18n/index.svelte';

const REPLIES: Record<Locale, readonly string[]> = {
  en: [
    'Hello, thanks for contacting us. How can I help you today?',
    'Thank you, let me check that for you. It will take a moment.',
    'For your security, please never type card numbers or ID numbers in this chat.',
    'Is there anything else I can help you with?',
    'Thanks for your patience. Have a great day!',
  ],
  es: [
    'Hola, gracias por contactarnos. ¿En qué puedo ayudarle hoy?',
    'Gracias, déjeme revisarlo. Tardaré un momento.',
    'Por su seguridad, no escriba nunca números de tarjeta ni de documento en este chat.',
    '¿Hay algo más en lo que pueda ayudarle?',
    'Gracias por su paciencia. ¡Que tenga un buen día!',
  ],
};

export function cannedReplies(locale: Locale): readonly string[] {
  return REPLIES[locale];
}
