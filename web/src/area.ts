// A list narrowed to one area by the address (`?region=` — a grid, a village, a town): how the
// map's grid drawer links into the registers. The name is shown; clearing it widens the list.
import { computed, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { get } from './api'

export function useAreaQuery() {
  const route = useRoute()
  const router = useRouter()
  const area = computed(() => (typeof route.query.region === 'string' ? route.query.region : ''))
  const areaName = ref('')
  watch(area, async (code) => {
    areaName.value = ''
    if (code) areaName.value = (await get<{ name: string }>(`/regions/${code}`).catch(() => null))?.name ?? code
  }, { immediate: true })
  const clearArea = () => router.replace({ query: { ...route.query, region: undefined } })
  return { area, areaName, clearArea }
}
