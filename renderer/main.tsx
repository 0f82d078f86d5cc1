/**
 * Entry point. In Electron the preload exposes `window.cloudsnooze`; in a browser
 * (`snooze dashboard`) the HTTP transport implements the same API. Nothing else differs.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import type { CloudSnoozeApi } from '../contract/ipc.js';
import { App } from './App.js';
import { createBridge } from './bridge.js';
import { BridgeContext, StoreContext } from './context.js';
import { createRendererStore } from './store.js';
import { openSession, takeTokenFromLocation } from './http-session.js';
import { createHttpApi } from './transport-http.js';

async function main() {
  let api: CloudSnoozeApi;
  let onReady = () => {};
  if (window.cloudsnooze) {
    api = window.cloudsnooze;
  } else {
    const token = takeTokenFromLocation();
    if (new URLSearchParams(window.location.search).has('bench')) {
      // Only for `npm run bench`: a synthetic API so one tick is measured without the network.
      const { createBenchApi, installBenchHook } = await import('./bench-hook.js');
      const bench = createBenchApi();
      api = bench.api;
      onReady = () => installBenchHook(bench);
    } else {
      const session = await openSession(token);
      if (session.token === null) return showNoSession(session.error);
      api = createHttpApi({ token: session.token });
    }
  }
  const store = createRendererStore();
  const bridge = createBridge(api, store);
  bridge.start();
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html lacks #root');
  createRoot(root).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <BridgeContext.Provider value={bridge}>
          <App api={api} />
        </BridgeContext.Provider>
      </StoreContext.Provider>
    </StrictMode>,
  );
  onReady();
}

/** Without a session nothing on the dashboard could work: say why and how to get in, instead of an "offline" banner. */
function showNoSession(message: string) {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html lacks #root');
  createRoot(root).render(
    <main>
      <h1>CloudSnooze dashboard</h1>
      <p className="banner offline" role="alert" data-testid="no-session">
        {message}
      </p>
    </main>,
  );
}

void main();
