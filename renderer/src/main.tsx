import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.js';
import { takeToken } from './api/token.js';
import { App } from './App.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('The dashboard page has no #root element.');
const client = createApiClient({
  baseUrl: window.location.origin,
  token: takeToken({ location: window.location, storage: window.sessionStorage, history: window.history }),
});
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
