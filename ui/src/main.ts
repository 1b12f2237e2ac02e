import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { reportUiError } from './ipc';

// Front-end errors go to the console's log file (scrubbed there), not only to devtools.
window.addEventListener('error', (event) => {
  reportUiError({ source: 'uncaught', message: String(event.message ?? event.error ?? 'error') });
});
window.addEventListener('unhandledrejection', (event) => {
  reportUiError({ source: 'unhandledRejection', message: String(event.reason ?? 'rejection') });
});

const target = document.getElementById('app');
if (!target) {
  throw new Error('missing #app element');
}

export default mount(App, { target });
