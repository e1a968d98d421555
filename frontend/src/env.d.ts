/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

/** The Wails v2 runtime the desktop window injects; absent in a plain browser. */
interface WailsRuntime {
  EventsOn(name: string, callback: (...data: unknown[]) => void): () => void
}

interface Window {
  runtime?: WailsRuntime
}
