// vis-network reads DragEvent when it loads; jsdom has none.
if (typeof window !== 'undefined' && !('DragEvent' in globalThis)) {
  (globalThis as Record<string, unknown>).DragEvent = class extends Event {};
}
