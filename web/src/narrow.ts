// Whether the screen is a phone's: pages switch tables to cards and dialogs to full screen.
import { onBeforeUnmount, ref } from 'vue'

export function useNarrow(width = 600) {
  const query = window.matchMedia(`(max-width: ${width}px)`)
  const narrow = ref(query.matches)
  const changed = (e: MediaQueryListEvent) => (narrow.value = e.matches)
  query.addEventListener('change', changed)
  onBeforeUnmount(() => query.removeEventListener('change', changed))
  return narrow
}
