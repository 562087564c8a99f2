// The messages shown bottom left: one per distinct text (a repeat counts up instead), each
// gone after a while (errors stay longer).

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
  detail?: string;
  /** How many times this same message came while it was showing. */
  count: number;
}

export class ToastList {
  items = $state<Toast[]>([]);
  #next = 1;
  // Timers are bookkeeping, not state the UI renders.
  #timers: Record<number, ReturnType<typeof setTimeout>> = {};

  /** Shows a message; the same message again while it shows raises its count instead. */
  show(kind: Toast['kind'], text: string, detail?: string): void {
    const same = this.items.find((t) => t.kind === kind && t.text === text && t.detail === detail);
    const id = same?.id ?? this.#next++;
    this.items = same
      ? this.items.map((t) => (t.id === id ? { ...t, count: t.count + 1 } : t))
      : [...this.items, { id, kind, text, detail, count: 1 }];
    clearTimeout(this.#timers[id]);
    this.#timers[id] = setTimeout(() => this.dismiss(id), kind === 'error' ? 12000 : 4000);
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers[id]);
    delete this.#timers[id];
    this.items = this.items.filter((t) => t.id !== id);
  }
}
