// Browser tests of the web app in headless Chromium (Debian's package, driven by
// playwright-core). Run by `cargo test` (crates/zhili/tests/api.rs starts a fresh demo
// server and passes ZHILI_URL and ZHILI_PASSWORD); screenshots go to ZHILI_SCREENSHOTS.
import { chromium } from 'playwright-core'
import { mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const base = process.env.ZHILI_URL
const password = process.env.ZHILI_PASSWORD
const shots = process.env.ZHILI_SCREENSHOTS || join(here, '..', 'test-results')
if (!base || !password) throw new Error('set ZHILI_URL and ZHILI_PASSWORD')
mkdirSync(shots, { recursive: true })
const origin = new URL(base)
const photo = readFileSync(join(here, '..', '..', 'crates', 'zhili-domain', 'src', 'image', 'photo.jpg'))

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
})
const problems = []
// Error answers a step provokes on purpose (a bad form, a bad file): not problems.
const expected4xx = []
let failed = 0

/** A signed-in page that records every request leaving 127.0.0.1, every failed response and console error. */
async function open(username, viewport = { width: 1920, height: 1080 }, extra = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', ...extra })
  const page = await context.newPage()
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.protocol !== 'blob:' && url.protocol !== 'data:' && url.hostname !== origin.hostname) {
      problems.push(`${username}: request left the server: ${url.href}`)
      return route.abort()
    }
    return route.continue()
  })
  const expectedAnswer = (status, url) => expected4xx.some((e) => status === e.status && url.includes(e.path))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // Chromium also logs every error answer; the provoked ones are not problems.
    const failedLoad = /status of (\d+)/.exec(m.text())
    if (failedLoad && expectedAnswer(Number(failedLoad[1]), m.location()?.url ?? '')) return
    problems.push(`${username}: console error: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`${username}: page error: ${e.message}`))
  page.on('response', (r) => {
    if (r.status() >= 400 && !expectedAnswer(r.status(), r.url())) {
      // With the answer's body, which names the field at fault.
      const told = `${username}: ${r.status()} ${r.request().method()} ${r.url()}`
      problems.push(told)
      r.text().then((body) => problems.push(`${told}: ${body.slice(0, 400)}`), () => {})
    }
  })
  await page.goto(`${base}/login`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('[data-test=login]')
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  return { context, page }
}

// ZHILI_BROWSER_ONLY=<part of a step's name> runs only the steps that match (while working on one).
const only = process.env.ZHILI_BROWSER_ONLY
async function step(name, body) {
  if (only && !name.includes(only)) return
  const started = Date.now()
  try {
    await body()
    console.log(`ok   ${name} (${Date.now() - started} ms)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e.stack || e}`)
  }
}

function expect(cond, message) {
  if (!cond) throw new Error(message)
}

/** The page fits its screen: nothing scrolls sideways. */
async function fitsScreen(page, what) {
  // A phone widens its layout to fit what overflows, so the screen's own width is the measure.
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: Math.min(window.innerWidth, screen.width) }))
  expect(scroll <= width, `${what}: ${scroll} px wide on a ${width} px screen`)
}

// The library's own English (its locale not set) and the app's English words, which a zh-CN
// page must not show.
const englishLeak = /\b(No Data|No data|Select|Loading|Confirm|Cancel|Submit|Search|Total|Back|Clear|Please|Today|Now|Previous|Next)\b/
// Besides the library's own words: any Latin word of three letters or more, once codes and
// account names (with digits, '-', '_' or '.') and a few proper names are set aside.
const allowedLatin = new Set(['English', 'properties', 'GeoJSON', 'JSON', 'xlsx', 'csv', 'CSV', 'Excel', 'WPS', 'GPS', 'admin', 'district', 'leader', 'MapLibre', 'OpenStreetMap', 'ECharts', 'GeoReport'])
async function speaksChinese(page, what) {
  // Addresses and secrets shown to be copied (an endpoint's URL, a signing secret's base64,
  // whose '+' and '/' would cut it into random "words") are not words.
  const text = (await page.evaluate(() => document.body.innerText))
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\b(whsec|zk)_[A-Za-z0-9+/=_-]+/g, ' ')
  const leak = englishLeak.exec(text)
  expect(!leak, `${what}: English "${leak?.[0]}" in zh-CN`)
  const words = text.split(/[^A-Za-z0-9._\-@]+/).filter((w) => /^[A-Za-z]{3,}$/.test(w) && !allowedLatin.has(w))
  expect(!words.length, `${what}: English ${JSON.stringify([...new Set(words)].slice(0, 8))} in zh-CN`)
}

/** A screenshot for review, of a page that must speak Chinese. */
async function shoot(page, options) {
  await speaksChinese(page, options.path.split('/').pop())
  await page.screenshot(options)
}

async function mapReady(page, name = '__zhiliMap') {
  await page.waitForFunction((n) => window[n] && window[n].loaded() && window[n].getSource('events'), name, { timeout: 30000 }).catch(() => {})
  await page.waitForSelector('.map-pane[data-ready=true]', { timeout: 30000 })
}

// Measured, not asserted (timings depend on the machine): the README quotes them.
await step('first screen: sign-in form and the commander figures', async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })
  const page = await context.newPage()
  const started = Date.now()
  await page.goto(`${base}/login`)
  await page.waitForSelector('[data-test=login]:not([disabled])')
  const form = Date.now() - started
  await page.fill('input[name=username]', 'district')
  await page.fill('input[name=password]', password)
  const signed = Date.now()
  await page.click('[data-test=login]')
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-test=kpi-open] .value')?.textContent ?? ''))
  const figures = Date.now() - signed
  await page.waitForSelector('.map-pane[data-ready=true]', { timeout: 30000 })
  const map = Date.now() - signed
  console.log(`measure first screen: sign-in form ${form} ms; after sign-in, KPIs ${figures} ms, map drawn ${map} ms`)
  await context.close()
})

await step('each role lands on its own home', async () => {
  const homes = {
    district: '/command', leader: '/command', 'district-operator': '/inbox', 'town-500114001': '/inbox',
    'village-500114001001': '/inbox', 'dept-D01': '/inbox', 'grid-500114001001001': '/phone', admin: '/admin', pilot: '/pilot',
  }
  for (const [who, path] of Object.entries(homes)) {
    const { context, page } = await open(who)
    expect(new URL(page.url()).pathname === path, `${who} landed on ${page.url()}, not ${path}`)
    await context.close()
  }
})

let commander
await step('the command centre shows a living district: boundaries, events, 3D, KPIs, rankings', async () => {
  commander = await open('district')
  const { page } = commander
  await mapReady(page)
  const counts = await page.evaluate(() => {
    const m = window.__zhiliMap
    const n = (layers) => m.queryRenderedFeatures({ layers }).length
    return { towns: n(['town-line']), villages: n(['village-line']), grids: n(['grid-fill']), events: n(['event-point', 'clusters']), labels: n(['town-label']) }
  })
  expect(counts.towns >= 30 && counts.grids > 100 && counts.labels > 0, `boundaries: ${JSON.stringify(counts)}`)
  expect(counts.events > 0, `events on the map: ${JSON.stringify(counts)}`)
  const intake = await page.textContent('[data-test=kpi-open] .value')
  expect(Number(intake) > 0, `open KPI ${intake}`)
  await page.waitForSelector('[data-test=ranking] canvas')
  await page.waitForSelector('[data-test=trend] canvas')
  await shoot(page, { path: join(shots, 'command-centre.png') })
  // A click on a grid with nothing on top of it opens that grid's details.
  const target = await page.evaluate(() => {
    const m = window.__zhiliMap
    for (const f of m.queryRenderedFeatures({ layers: ['grid-fill'] })) {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0]
      const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1])
      const pt = m.project([(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2])
      const under = m.queryRenderedFeatures(pt)
      const grids = under.filter((u) => u.layer.id === 'grid-fill')
      const covered = under.some((u) => ['event-point', 'clusters', 'cluster-count'].includes(u.layer.id))
      const box = m.getCanvas().getBoundingClientRect()
      if (!covered && grids.length === 1 && grids[0].properties.code === f.properties.code) {
        return { x: box.left + pt.x, y: box.top + pt.y, code: f.properties.code }
      }
    }
    return null
  })
  expect(target, 'a grid to click')
  await page.mouse.click(target.x, target.y)
  await page.waitForSelector('[data-test=grid-panel] [data-test=grid-open]')
  const panel = await page.textContent('[data-test=grid-panel]')
  expect(panel.includes(target.code), `grid panel for ${target.code}: ${panel.slice(0, 200)}`)
  // 人事地物情: who to call (a name and a phone), and figures that open the registers.
  const calls = await (await page.waitForSelector('[data-test=grid-contacts] li a[href^="tel:"]')).textContent()
  expect(/^1\d{10}$/.test(calls.trim()), `a phone to call: ${calls}`)
  await page.waitForSelector('[data-test=grid-figures] [data-figure=people]')
  const figures = await page.locator('[data-test=grid-figures] button').allTextContents()
  expect(figures.length >= 6, `grid figures: ${figures}`)
  await page.waitForTimeout(500) // the drawer's slide-in
  await shoot(page, { path: join(shots, 'command-centre-grid.png') })
  const residents = Number((await page.textContent('[data-figure=people] b')).trim())
  await page.click('[data-figure=people]')
  await page.waitForURL(/\/people\?/)
  await page.waitForSelector('[data-test=area-filter]')
  await page.waitForFunction((n) => document.querySelector('.count')?.textContent?.includes(String(n)), residents)
  await page.goBack()
  await page.waitForFunction(() => window.__zhiliMap?.loaded())
  await page.click('[data-test=toggle-3d]')
  await page.waitForTimeout(1500)
  const extruded = await page.evaluate(() => window.__zhiliMap.queryRenderedFeatures({ layers: ['grid-3d'] }).length)
  expect(extruded > 0, 'the 3D layer draws extruded grids')
  await shoot(page, { path: join(shots, 'command-centre-3d.png') })
  await page.click('[data-test=toggle-3d]')
  // Laptop size too.
  await page.setViewportSize({ width: 1366, height: 768 })
  await page.waitForTimeout(500)
  await shoot(page, { path: join(shots, 'command-centre-laptop.png') })
})

await step('Chinese text renders with real glyphs', async () => {
  const { page } = commander
  const differs = await page.evaluate(() => {
    // A missing glyph draws the same box for every character: two different characters
    // drawing identically means no CJK font.
    const draw = (ch) => {
      const c = document.createElement('canvas')
      c.width = 40; c.height = 40
      const g = c.getContext('2d')
      g.font = '32px "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
      g.fillText(ch, 2, 32)
      return c.toDataURL()
    }
    return draw('治') !== draw('理')
  })
  expect(differs, 'CJK glyphs are missing (install fonts-wqy-microhei)')
  const title = await page.textContent('[data-test=app-title]')
  expect(title.includes('社会治理'), `title ${title}`)
})

let caseNumber
await step('a grid worker reports from the phone and the commander sees it live', async () => {
  const worker = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  const { page } = worker
  await page.waitForSelector('[data-test=category]')
  await page.click('[data-test=category]')
  await page.keyboard.type('路灯')
  await page.click('.el-select-dropdown__item:visible >> text=路灯')
  await page.setInputFiles('[data-test=photo-input]', { name: 'street.jpg', mimeType: 'image/jpeg', buffer: photo })
  await page.waitForFunction(() => window.__zhiliGridMap && window.__zhiliGridMap.loaded(), null, { timeout: 30000 })
  const box = await page.locator('[data-test=grid-map]').boundingBox()
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
  await fitsScreen(page, 'the phone report page')
  await speaksChinese(page, 'the phone report page')
  await shoot(page, { path: join(shots, 'phone-report.png') })
  await page.click('[data-test=send-report]')
  await page.waitForSelector('[data-test=report-message]')
  const message = await page.textContent('[data-test=report-message]')
  caseNumber = message.match(/500114-\d{8}-\d{5,}/)?.[0]
  expect(caseNumber, `no case number in ${message}`)
  // The form is cleared whole for the next report, and says what it needs.
  const needs = await page.textContent('[data-test=report-missing]')
  expect(needs.includes('类别'), `after a report the form asks for ${needs}`)
  await fitsScreen(page, 'the phone after a report')
  await shoot(page, { path: join(shots, 'phone-reported.png') })
  await commander.page.waitForSelector(`[data-test=feed] [data-case="${caseNumber}"]`, { timeout: 15000 })
  await shoot(commander.page, { path: join(shots, 'command-centre-live.png') })
  await worker.context.close()
})

await step('the event is walked from dispatch to closure in the UI', async () => {
  expect(caseNumber, 'needs the reported case')
  const village = await open('village-500114001001')
  // The queue opens on what waits for the station, with its count.
  await village.page.waitForSelector('[data-test=view-waiting].is-active')
  const waiting = Number((await (await village.page.waitForSelector('[data-test=waiting-count] sup')).textContent()).replace(/\D/g, ''))
  expect(waiting >= 1, `the station's to-do count: ${waiting}`)
  await village.page.fill('[data-test=search]', caseNumber)
  await village.page.keyboard.press('Enter')
  const row = village.page.locator(`[data-test=inbox] tr:has-text("${caseNumber}")`)
  await row.waitFor()
  const left = await row.locator('[data-test=time-left]').textContent()
  expect(/^剩/.test(left.trim()), `time left of a new case: ${left}`)
  await speaksChinese(village.page, 'the station queue')
  await shoot(village.page, { path: join(shots, 'inbox-waiting.png') })
  await row.click()
  await village.page.waitForSelector('[data-test=case-number]')
  await speaksChinese(village.page, 'the village event page')
  // The event's grid with the event on it.
  await village.page.waitForSelector('[data-test=grid-map] .maplibregl-marker')
  await village.page.waitForFunction(() => window.__zhiliGridMap?.loaded() && window.__zhiliGridMap.queryRenderedFeatures({ layers: ['grid-line'] }).length > 0, null, { timeout: 30000 })
  const eventUrl = village.page.url()
  const accounts = ['village-500114001001', 'town-500114001', 'grid-500114001001001', 'district']
  const sessions = { 'village-500114001001': village }
  const plan = ['register', 'dispatch', 'accept', 'handle', 'verify', 'close']
  for (const action of plan) {
    let done = false
    const detail = await (await village.page.request.get(`${base}/api/v1/events/${eventUrl.split('/').pop()}`, {
      headers: { Authorization: `Bearer ${await village.page.evaluate(() => localStorage.getItem('zhili.token'))}` },
    })).json()
    const candidates = [...accounts]
    if (detail.lead_unit?.startsWith('D')) candidates.unshift(`dept-${detail.lead_unit}`)
    // Verification is the grid worker's, on site, on the phone.
    if (action === 'verify') candidates.unshift('grid-500114001001001')
    for (const who of candidates) {
      const t0 = Date.now()
      sessions[who] ??= who.startsWith('grid-')
        ? await open(who, { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
        : await open(who)
      const { page } = sessions[who]
      await page.goto(eventUrl)
      await page.waitForSelector('[data-test=actions]')
      if (process.env.ZHILI_TRACE) console.log(`  ${action}: ${who} ready in ${Date.now() - t0} ms`)
      const button = page.locator(`[data-test=actions] [data-action=${action}]`)
      if (!(await button.count())) continue
      if (who.startsWith('grid-')) await fitsScreen(page, `the event page at 360 px (${action})`)
      await speaksChinese(page, `the event page (${who})`)
      // Nothing is chosen for the user: the step is picked, then what it needs.
      expect(await page.locator('[data-test=submit-action]').isDisabled(), 'submit before a step is chosen')
      await button.click()
      if (action === 'verify') {
        await page.click('[data-test=verify-passed]')
        // The on-site photo, from the phone.
        await page.setInputFiles('[data-test=action-photo]', { name: 'after.jpg', mimeType: 'image/jpeg', buffer: photo })
        await page.waitForSelector('.upload .added')
        await shoot(page, { path: join(shots, 'phone-event-verify.png'), fullPage: true })
      }
      if (action === 'handle') {
        await page.setInputFiles('[data-test=action-photo]', { name: 'done.jpg', mimeType: 'image/jpeg', buffer: photo })
        await page.waitForSelector('.upload .added')
      }
      await page.fill('[data-test=opinion]', '已按要求办理')
      await page.click('[data-test=submit-action]')
      if (action === 'dispatch') {
        // Where it goes is said, and asked once.
        const box = await page.waitForSelector('.el-message-box')
        const said = await box.textContent()
        expect(said.includes('派遣至'), `dispatch confirmation: ${said}`)
        await page.click('.el-message-box__btns .el-button--primary')
      }
      await page.waitForFunction((a) => !document.querySelector(`[data-test=actions] [data-action=${a}]`) || document.querySelector('[data-test=action-error]'), action)
      const error = page.locator('[data-test=action-error]')
      if (await error.count()) throw new Error(`${action} by ${who}: ${await error.textContent()}`)
      done = true
      break
    }
    expect(done, `nobody could ${action}`)
  }
  const { page } = sessions['village-500114001001']
  await page.goto(eventUrl)
  await page.waitForSelector('[data-test=timeline] li')
  const status = await page.textContent('[data-test=status]')
  expect(status.includes('已结案'), `status after the walk: ${status}`)
  const steps = await page.locator('[data-test=steps] tr').count()
  expect(steps >= 5, `${steps} timed steps recorded`)
  expect((await page.locator('[data-test=photo]').count()) >= 1, 'the report photo shows')
  // Before and after, labelled; a photo opens large.
  const groups = await page.locator('[data-test=photo-group]').allTextContents()
  expect(groups.some((g) => g.includes('处置前')) && groups.some((g) => g.includes('处置后')), `photo groups: ${groups}`)
  // The viewer opens from the loaded picture (el-image listens on its <img>, not the placeholder).
  await page.waitForFunction(() => { const img = document.querySelector('[data-test=photo] img.el-image__inner'); return img && img.complete && img.naturalWidth > 0 })
  await page.locator('[data-test=photo] img.el-image__inner').first().click()
  await page.waitForSelector('.el-image-viewer__wrapper')
  await page.keyboard.press('Escape')
  await shoot(page, { path: join(shots, 'event-closed.png'), fullPage: true })
  for (const s of Object.values(sessions)) await s.context.close()
})

await step('a department takes up several events at once and prints their work orders', async () => {
  // Two events dispatched to 城管 (D09), made through the API as the station would.
  const { context: vctx, page: vpage } = await open('village-500114001001')
  const vtoken = await vpage.evaluate(() => localStorage.getItem('zhili.token'))
  const api = async (method, path, body) => {
    const r = await vpage.request.fetch(`${base}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${vtoken}`, 'Content-Type': 'application/json' }, data: body ? JSON.stringify(body) : undefined })
    const json = await r.json()
    if (!r.ok()) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`)
    return json
  }
  const grid = await api('GET', '/regions/500114001001001?geometry=true')
  const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0]
  const made = []
  for (let i = 0; i < ring.length - 1 && made.length < 2; i++) {
    // Points just inside the grid: towards its first vertex's opposite along the ring.
    const [x0, y0] = ring[0], [x1, y1] = ring[Math.floor(ring.length / 2)]
    const f = 0.4 + made.length * 0.1
    const location = { lon: x0 + (x1 - x0) * f, lat: y0 + (y1 - y0) * f }
    const e = await api('POST', '/events', { channel: 'walk_in', category: '0602', description: `批量签收测试 ${made.length + 1}`, location }).catch(() => null)
    if (!e) continue
    await api('POST', `/events/${e.id}/actions`, { action: 'register' })
    await api('POST', `/events/${e.id}/actions`, { action: 'dispatch', lead: 'D09' })
    made.push(e.case_number)
  }
  expect(made.length === 2, `two events dispatched: ${made}`)
  await vctx.close()

  const { context, page } = await open('dept-D09')
  await page.waitForSelector('[data-test=view-waiting].is-active')
  for (const n of made) {
    const row = page.locator(`[data-test=inbox] tbody tr:has-text("${n}")`)
    await row.waitFor()
    await row.locator('.el-checkbox').click()
  }
  expect(page.url().includes('/inbox'), 'ticking a row does not open it')
  await page.click('[data-test=accept-many]')
  await page.click('.el-message-box__btns .el-button--primary')
  const said = await (await page.waitForSelector('.el-message--success')).textContent()
  expect(said.includes('已签收 2 件'), `batch take-up: ${said}`)
  await page.waitForFunction((ns) => ns.every((n) => ![...document.querySelectorAll('[data-test=inbox] tbody tr')].some((tr) => tr.textContent.includes(n) && tr.textContent.includes('已派遣'))), made)
  // Print: one page per work order, with the signature lines.
  await page.click('[data-test=view-all]')
  for (const n of made) {
    await page.fill('[data-test=search]', n)
    await page.keyboard.press('Enter')
    const row = page.locator(`[data-test=inbox] tbody tr:has-text("${n}")`)
    await row.waitFor()
    await row.locator('.el-checkbox').click()
  }
  const [printing] = await Promise.all([context.waitForEvent('page'), page.click('[data-test=print-orders]')])
  await printing.waitForSelector('[data-test=work-order]')
  const orders = await printing.locator('[data-test=work-order]').allTextContents()
  expect(orders.length >= 1 && orders.every((o) => o.includes('签收人') && o.includes('处置中')), `work orders: ${orders.length}`)
  await speaksChinese(printing, 'the work orders')
  await shoot(printing, { path: join(shots, 'work-orders.png'), fullPage: true })
  await context.close()
})

await step('an administrator changes a time limit and gets a new version', async () => {
  const { context, page } = await open('admin')
  await page.waitForSelector('[data-test=categories] tr')
  // From November, next year's missing schedule is said (the demo ships 2026 only).
  const month = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', month: 'numeric' }).format(new Date()))
  if (month >= 11) {
    const warning = await (await page.waitForSelector('[data-test=calendar-warning]')).textContent()
    expect(warning.includes('尚未录入'), `calendar warning: ${warning}`)
  }
  // Limits in working days or hours, saved together: two rows changed, one save.
  const version = async (code) => Number((await page.textContent(`[data-test=version-${code}]`)).replace(/\D/g, ''))
  const [lamp, cover] = [await version('0602'), await version('0603')]
  const unitOf = async (code) => page.locator(`[data-test=handle-${code}] .el-select`).textContent()
  expect((await unitOf('0602')).includes('工作'), `limit unit shown: ${await unitOf('0602')}`)
  for (const [code, amount] of [['0602', '12'], ['0603', '9']]) {
    const input = page.locator(`[data-test=handle-${code}] input`).first()
    await input.fill(amount)
    await input.press('Tab')
  }
  const dirty = await (await page.waitForSelector('[data-test=dirty-count]')).textContent()
  expect(dirty.includes('2'), `unsaved changes: ${dirty}`)
  await page.click('[data-test=save-limits]')
  await page.waitForSelector('.el-message--success')
  await page.waitForFunction(() => !document.querySelector('[data-test=dirty-count]'))
  expect((await version('0602')) === lamp + 1 && (await version('0603')) === cover + 1, 'both rows at a new version')
  await shoot(page, { path: join(shots, 'admin-categories.png') })
  await context.close()
})

await step('an administrator keeps dispatch rules, the calendar, accounts and grids', async () => {
  const { context, page } = await open('admin')
  await page.goto(`${base}/admin?tab=rules`)
  await page.waitForSelector('[data-test=rules]')
  const before = await page.locator('[data-test=rules] tbody tr').count()
  // A new rule with a bad prefix is refused with the row and field named; fixed, it saves.
  expected4xx.push({ status: 422, path: '/reference/dispatch-rules' })
  await page.click('[data-test=add-rule]')
  const row = page.locator('[data-test=rules] tbody tr').nth(before)
  const prefix = row.locator('input').first()
  await prefix.fill('6')
  await page.click('[data-test=save-rules]')
  const error = await (await page.waitForSelector('[data-test=rules-error]')).textContent()
  expect(error.includes(`[${before}].category_prefix`), `rules error ${error}`)
  await prefix.fill('0601')
  await page.click('[data-test=save-rules]')
  await page.waitForSelector('[data-test=rules-saved]')
  await shoot(page, { path: join(shots, 'admin-rules.png') })
  const stored = await page.evaluate(async () => {
    const r = await fetch('/api/v1/reference/dispatch-rules', { headers: { Authorization: `Bearer ${localStorage.getItem('zhili.token')}` } })
    return r.json()
  })
  expect(stored.length === before + 1 && stored[before].category_prefix === '0601', `stored rules ${JSON.stringify(stored)}`)
  await row.locator('button:has-text("删除")').click()
  await page.click('[data-test=save-rules]')
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=rules] tbody tr').length === n, before)

  await page.goto(`${base}/admin?tab=calendar`)
  await page.waitForSelector('[data-test=calendar-days] tbody tr')
  const days = await page.locator('[data-test=calendar-days] tbody tr').count()
  expect(days >= 20, `${days} holidays and workdays listed`)
  await page.click('[data-test=save-calendar]')
  await page.waitForSelector('[data-test=calendar-saved]')

  await page.goto(`${base}/admin?tab=users`)
  await page.waitForSelector('[data-test=users] tbody tr')
  await page.click('[data-test=add-user]')
  const newcomer = `grid-b${Date.now().toString(36)}`
  await page.fill('[data-test=new-username]', newcomer)
  await page.fill('[data-test=new-name]', '浏览器测试')
  // Nothing consequential is pre-selected: the role and the region are chosen; the region
  // from the tree (district → town → village → grid), the unit from those serving it.
  expect(await page.isDisabled('[data-test=create-user]'), 'save waits for the form')
  // Chosen through the helper, which waits for the list to close: the longer role list (with
  // 试点办) would otherwise still cover the region picker below it.
  await pick(page, '[data-test=new-role]', '网格员')
  await page.click('[data-test=new-region] .el-cascader')
  for (let level = 0; level < 4; level++) {
    const node = page.locator('.el-cascader-menu').nth(level).locator('.el-cascader-node').first()
    await node.waitFor()
    if (level === 3) {
      // Choosing the grid is a click on its radio.
      await node.locator('.el-radio').click()
      break
    }
    // Opening a level is a click on its name, which loads the level below. A click that lands
    // while the menu is still settling is dropped by the cascader (CI met it once), so a level
    // that has not opened is clicked again rather than waited on forever.
    const next = page.locator('.el-cascader-menu').nth(level + 1).locator('.el-cascader-node').first()
    for (let attempt = 0; ; attempt++) {
      await node.click()
      try {
        await next.waitFor({ timeout: 8000 })
        break
      } catch (e) {
        if (attempt === 2) throw e
      }
    }
  }
  await page.locator('.el-dialog:visible .el-dialog__title').click()
  await page.waitForFunction(() => (document.querySelector('[data-test=new-region] input')?.value ?? '').length > 0)
  await page.click('[data-test=new-unit]')
  await page.getByRole('option').first().click()
  await page.fill('[data-test=new-phone]', '13912345678')
  await page.fill('[data-test=new-password]', password)
  await page.click('[data-test=create-user]')
  await page.waitForSelector('.el-message--success')
  const account = page.locator(`[data-test=users] tbody tr:has-text("${newcomer}")`)
  await account.waitFor()
  const shown = await account.textContent()
  expect(shown.includes('139****5678') && shown.includes('网格员') && !shown.includes('500114001001001'), `new account row: ${shown}`)
  // Stopping asks once, then shows; starting again needs no question.
  await page.click(`[data-test=stop-${newcomer}]`)
  await page.click('.el-message-box__btns .el-button--primary')
  await account.locator('[data-test=account-stopped]').waitFor()
  await page.waitForSelector('.el-message-box', { state: 'hidden' })
  await shoot(page, { path: join(shots, 'admin-users.png') })
  await page.click(`[data-test=start-${newcomer}]`)
  await page.waitForFunction((name) => ![...document.querySelectorAll('[data-test=users] tbody tr')].some((tr) => tr.textContent.includes(name) && tr.querySelector('[data-test=account-stopped]')), newcomer)

  // The newcomer's first sign-in, on a phone: the password the administrator chose is changed
  // before anything else; a weak one is explained; then the grid worker's home opens.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true })
  const first = await phone.newPage()
  first.on('pageerror', (e) => problems.push(`${newcomer}: page error: ${e.message}`))
  expected4xx.push({ status: 422, path: '/auth/password' })
  await first.goto(`${base}/login`)
  await first.fill('input[name=username]', newcomer)
  await first.fill('input[name=password]', password)
  await first.click('[data-test=login]')
  await first.waitForSelector('[data-test=change-password]')
  expect(await first.inputValue('[data-test=current-password]') === password, 'the current password is carried over')
  await first.fill('[data-test=next-password]', 'weakpassword')
  await first.fill('[data-test=next-password-again]', 'weakpassword')
  await first.click('[data-test=save-password]')
  await first.waitForSelector('[data-test=change-error]')
  const said = await first.textContent('[data-test=change-error]')
  expect(said.includes('3类'), `the rule is said in Chinese: ${said}`)
  const wide = await first.evaluate(() => document.documentElement.scrollWidth)
  expect(wide <= 360, `no sideways scroll at 360 px (${wide})`)
  await shoot(first, { path: join(shots, 'first-sign-in-password.png') })
  await first.fill('[data-test=next-password]', 'Qianjiang-grid-2027')
  await first.fill('[data-test=next-password-again]', 'Qianjiang-grid-2027')
  await first.click('[data-test=save-password]')
  await first.waitForURL((u) => u.pathname.startsWith('/phone'))
  await phone.close()

  // Grid import: a broken file is refused with every problem listed; a village's own grids pass.
  await page.goto(`${base}/admin?tab=grids`)
  expected4xx.push({ status: 422, path: '/grids/import' })
  const broken = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: '50011400100199', name: '坏网格', kind: '综合网格' }, geometry: { type: 'Polygon', coordinates: [[[108.77, 29.53], [108.78, 29.53], [108.78, 29.54], [108.77, 29.53]]] } },
      { type: 'Feature', properties: { code: '500114001001901', name: '自交', kind: '综合网格' }, geometry: { type: 'Polygon', coordinates: [[[108.77, 29.53], [108.78, 29.54], [108.78, 29.53], [108.77, 29.54], [108.77, 29.53]]] } },
    ],
  }
  await page.setInputFiles('[data-test=grid-file]', { name: 'broken.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(broken)) })
  await page.click('[data-test=validate-grids]')
  await page.waitForSelector('[data-test=problem-rows] tbody tr')
  const rows = await page.locator('[data-test=problem-rows] tbody tr').count()
  expect(rows >= 2, `${rows} problems listed`)
  await shoot(page, { path: join(shots, 'admin-grid-import.png') })
  const village = await page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const r = await fetch('/api/v1/regions?parent=500114001001&geometry=true', { headers: { Authorization: `Bearer ${token}` } })
    return r.json()
  })
  const clean = {
    type: 'FeatureCollection',
    features: village.map((g) => ({ type: 'Feature', properties: { code: g.code, name: g.name, kind: g.kind }, geometry: g.geometry })),
  }
  await page.setInputFiles('[data-test=grid-file]', { name: 'village.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(clean)) })
  await page.click('[data-test=validate-grids]')
  const ok = await (await page.waitForSelector('[data-test=import-ok]')).textContent()
  expect(ok.includes('校验通过'), `dry run ${ok}`)
  await context.close()
})

/** A valid resident ID number (GB 11643) for the district, born on `date` (YYYYMMDD). */
// Waits until no select's list is showing; says whether they all closed in time.
function listsClosed(page, timeout) {
  const closed = () => [...document.querySelectorAll('.el-select__popper')].every((e) => getComputedStyle(e).display === 'none')
  return page.waitForFunction(closed, null, { timeout }).then(() => true, () => false)
}

/** Chooses an option of an Element Plus select, and waits for its list to close, so the next
 *  click does not land on a list still fading out. `text` null: the first option. */
async function pick(page, select, text, popper = '') {
  for (let attempt = 0; ; attempt++) {
    // A list still closing (or left open) lies over the next select and takes its click.
    await listsClosed(page, 5000)
    await page.click(select)
    const items = page.locator(`${popper} .el-select-dropdown__item:visible`)
    const item = text === null ? items.first() : items.filter({ hasText: text }).first()
    const label = (await item.textContent()).trim()
    const multiple = await item.evaluate((e) => !!e.closest('.is-multiple'))
    // A list opened while its dialog still moves can close under the pointer: open it again.
    try {
      await item.click({ timeout: 5000 })
    } catch (err) {
      if (attempt === 2) throw err
      await page.keyboard.press('Escape')
      continue
    }
    // A single choice's list that stays open is closed as a person would: by its own select.
    // (A multiple choice's list stays open by design; its caller closes it.)
    if (!multiple && !(await listsClosed(page, 5000))) await page.click(select, { timeout: 5000 }).catch(() => {})
    // The select shows what was chosen; a click during the list's opening can be lost.
    if ((await page.locator(select).textContent()).includes(label) || attempt === 2) return label
  }
}

function idNumber(date, seq) {
  const body = `500114${date}${String(seq).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((n, d, i) => n + Number(d) * weights[i], 0)
  return body + '10X98765432'[sum % 11]
}

await step('an administrator backtests a changed risk indicator before saving it', async () => {
  const { context, page } = await open('admin')
  await page.goto(`${base}/admin?tab=risk`)
  await page.waitForSelector('[data-test=risk-indicators] tbody tr')
  expect((await page.textContent('[data-test=risk-version]')).includes('出厂'), 'the shipped catalogue')
  // Names and Chinese, no codes: the dispute indicator by its name and its detector in words.
  const row = page.locator('[data-test=risk-indicators] tbody tr', { hasText: '矛盾纠纷突增' })
  expect((await row.textContent()).includes('早期异常检测 C2'), `row: ${await row.textContent()}`)
  await row.click()
  await page.waitForSelector('[data-test=risk-edit] .el-dialog__body')
  // Unchanged, it may be saved; changed, it must be replayed first.
  expect(!(await page.isDisabled('[data-test=risk-keep]')), 'an unchanged rule may be kept')
  const minimum = page.locator('[data-test=risk-min-count] input')
  await minimum.fill('5')
  await minimum.press('Tab')
  await page.waitForSelector('[data-test=risk-test-first]')
  expect(await page.isDisabled('[data-test=risk-keep]'), 'a changed rule waits for its backtest')
  await page.click('[data-test=risk-run-backtest]')
  const summary = await (await page.waitForSelector('[data-test=risk-backtest]')).textContent()
  expect(/将预警 \d+ 次/.test(summary) && summary.includes('漏报'), `backtest: ${summary}`)
  expect(!(await page.isDisabled('[data-test=risk-keep]')), 'replayed, it may be kept')
  await shoot(page, { path: join(shots, 'admin-risk-backtest.png') })
  await page.click('[data-test=risk-keep]')
  await page.waitForSelector('[data-test=risk-saved]')
  expect((await page.textContent('[data-test=risk-version]')).includes('第1版'), 'a new version')
  // The sector assessments, by name: each department in one of the thirteen.
  await page.click('.el-tabs__item >> text=研判板块')
  await page.waitForSelector('[data-test=sectors] tbody tr')
  expect((await page.locator('[data-test=sectors] tbody tr').count()) === 13, 'thirteen sectors')
  expect((await page.textContent('[data-test=sectors]')).includes('黔江区司法局'), 'departments by name')
  await page.click('[data-test=save-sectors]')
  await page.waitForSelector('[data-test=sectors-saved]')
  await context.close()
})

await step('the commander sees a spike alert arrive, registers it for a department, holds a meeting whose decision is dispatched and downloads the week\'s report', async () => {
  const lead = await open('district')
  const page = lead.page
  await page.goto(`${base}/command`)
  await page.waitForSelector('[data-test=alert-feed]')
  // Seven disputes in one village in a few minutes: the dispute indicator's spike.
  const worker = await open('grid-500114003001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  const reported = await worker.page.evaluate(async () => {
    const h = { Authorization: `Bearer ${localStorage.getItem('zhili.token')}`, 'Content-Type': 'application/json' }
    const grid = await (await fetch('/api/v1/regions/500114003001001?geometry=true', { headers: h })).json()
    const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0]
    const [lon, lat] = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0])
    let n = 0
    for (let i = 0; i < 7; i++) {
      const r = await fetch('/api/v1/events', { method: 'POST', headers: h, body: JSON.stringify({ channel: 'grid_patrol', category: '0102', description: `邻里纠纷第${i + 1}起`, location: { lon, lat } }) })
      if (r.ok) n++
    }
    return n
  })
  expect(reported === 7, `reported ${reported} disputes`)
  await worker.context.close()
  // The server evaluates a few seconds after reports arrive; the alert comes to the centre live.
  const alertId = await page.evaluate(async () => {
    const h = { Authorization: `Bearer ${localStorage.getItem('zhili.token')}` }
    for (let i = 0; i < 40; i++) {
      const p = await (await fetch('/api/v1/risk/alerts?indicator=DISPUTE_SPIKE&region=500114003001&state=open', { headers: h })).json()
      if (p.total) return p.items[0].id
      await new Promise((r) => setTimeout(r, 500))
    }
    return null
  })
  expect(alertId, 'the spike raised an alert')
  await page.waitForSelector(`[data-test=alert-feed] [data-alert="${alertId}"]`, { timeout: 15000 })
  await shoot(page, { path: join(shots, 'command-alert.png') })
  await page.click(`[data-test=alert-feed] [data-alert="${alertId}"]`)
  await page.waitForURL((u) => u.pathname === '/risk')
  const explained = await (await page.waitForSelector('[data-test=alert-explain]')).textContent()
  expect(explained.includes('基线预期') && explained.includes('预警上界'), `the alert explains itself: ${explained}`)
  await page.waitForSelector('[data-test=alert-chart] canvas')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=alert-counted] li').length >= 7)
  await shoot(page, { path: join(shots, 'risk-alert.png') })
  // Registered for the justice bureau in one step.
  await page.click('[data-test=alert-to-register]')
  await page.waitForSelector('[data-test=risk-form]')
  expect(await page.isDisabled('[data-test=risk-save]'), 'nothing consequential is chosen for the commander')
  await pick(page, '[data-test=risk-level]', '橙色')
  await pick(page, '[data-test=risk-owner]', '黔江区司法局')
  await page.fill('[data-test=risk-measures] textarea, textarea[data-test=risk-measures]', '司法所牵头逐户调解，村调委会每日报告')
  const inWeek = new Date(Date.now() + 8 * 3600_000 + 7 * 86_400_000).toISOString().slice(0, 10)
  const review = page.locator('[data-test=risk-review] input').first()
  await review.fill(inWeek)
  await review.press('Enter')
  await page.click('[data-test=risk-form] .el-form-item__label >> nth=0')
  await page.click('[data-test=risk-save]')
  await page.waitForSelector('[data-test=alert-drawer] >> text=已列入台账')
  await page.keyboard.press('Escape')
  // Behind the drawer, the area's alerts grouped by indicator, counted by the server.
  await page.waitForSelector('[data-test=alert-groups] tbody tr')
  await page.click('.el-tabs__item >> text=风险台账')
  const risk = page.locator('[data-test=register-table] tbody tr', { hasText: '黔江区司法局' }).first()
  await risk.waitFor()
  expect((await risk.textContent()).includes(inWeek), `the register row: ${await risk.textContent()}`)
  await shoot(page, { path: join(shots, 'risk-register.png') })
  // A district meeting whose decision is dispatched as an event to the bureau.
  await page.click('.el-tabs__item >> text=研判会')
  await page.click('[data-test=meeting-new]')
  await pick(page, '[data-test=meeting-kind]', '区级综合研判')
  await page.fill('[data-test=meeting-title] input, input[data-test=meeting-title]', '本周综合研判会')
  const soon = new Date(Date.now() + 8 * 3600_000 + 3600_000).toISOString().slice(0, 16).replace('T', ' ') + ':00'
  const at = page.locator('[data-test=meeting-at] input').first()
  await at.fill(soon)
  await at.press('Enter')
  await page.click('[data-test=meeting-title]')
  await page.click('[data-test=meeting-schedule]')
  await page.waitForSelector('[data-test=meeting-record]')
  await page.click('[data-test=meeting-record]')
  await page.fill('[data-test=meeting-attendees] textarea, textarea[data-test=meeting-attendees]', '区委政法委 王明\n区司法局 李华')
  await page.fill('[data-test=meeting-minutes] textarea, textarea[data-test=meeting-minutes]', '研判城西街道邻里纠纷突增，决定由司法局牵头专项调解。')
  await page.click('[data-test=decision-add]')
  await page.fill('[data-test=decision-0] [data-test=decision-text] input, [data-test=decision-0] input[data-test=decision-text]', '司法局牵头开展邻里纠纷专项调解')
  await pick(page, '[data-test=decision-0] [data-test=decision-unit]', '黔江区司法局')
  await pick(page, '[data-test=decision-0] [data-test=decision-category]', '邻里纠纷')
  const due = page.locator('[data-test=decision-0] [data-test=decision-due] input').first()
  await due.fill(inWeek)
  await due.press('Enter')
  await page.click('[data-test=meeting-form] h4')
  await shoot(page, { path: join(shots, 'risk-meeting-record.png') })
  await page.click('[data-test=meeting-save]')
  const dispatched = await (await page.waitForSelector('[data-test=decision-event]')).textContent()
  expect(dispatched.includes('已交办'), `the decision: ${dispatched}`)
  await shoot(page, { path: join(shots, 'risk-meeting.png') })
  // Its minutes, to sign and file.
  const [minutes] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=meeting-minutes]')])
  expect(minutes.suggestedFilename() === '本周综合研判会会议纪要.docx', `the minutes are ${minutes.suggestedFilename()}`)
  await page.click('[data-test=decision-event]')
  await page.waitForURL((u) => u.pathname.startsWith('/events/'))
  await page.waitForSelector('text=研判交办')
  // The week's report, drafted.
  await page.goto(`${base}/risk?tab=reports`)
  const [report] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=report-week]')])
  expect(report.suggestedFilename().endsWith('.docx'), `the report is ${report.suggestedFilename()}`)
  // A major decision registered for its stability-risk assessment.
  await page.click('.el-tabs__item >> text=重大决策稳评')
  await page.click('[data-test=decision-new]')
  await page.fill('[data-test=decision-title] input, input[data-test=decision-title]', '城区停车收费调整方案')
  await page.fill('[data-test=decision-description] textarea, textarea[data-test=decision-description]', '调整城区路内停车收费标准，涉及全区车主。')
  await pick(page, '[data-test=decision-unit-select]', '黔江区综治中心')
  await pick(page, '[data-test=decision-track]', '一般程序')
  await page.click('[data-test=decision-register]')
  await page.waitForSelector('[data-test=decision-dialog] >> text=征求意见尚不足')
  await page.waitForTimeout(500) // the dialog's opening animation, for a readable screenshot
  await shoot(page, { path: join(shots, 'risk-decision.png') })
  const [draft] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=decision-report]')])
  expect(draft.suggestedFilename().endsWith('社会稳定风险评估报告.docx'), `the assessment report is ${draft.suggestedFilename()}`)
  await lead.context.close()
})

await step('the commander reads the year\'s assessment, traces a point to its source and tries a what-if', async () => {
  const { context, page } = await open('district')
  await page.goto(`${base}/assessment`)
  await page.waitForSelector('[data-test=assessment-units] tbody tr')
  // From April on the demo holds a town's rush before a quarter's end: it is flagged.
  if (new Date(Date.now() + 8 * 3600_000).getUTCMonth() >= 3) {
    const flagged = await (await page.waitForSelector('[data-test=gaming-flags]')).textContent()
    expect(flagged.includes('期末集中办结'), `the rush is flagged: ${flagged}`)
  }
  await page.click('[data-test=assessment-units] tbody tr >> nth=0')
  await page.waitForSelector('[data-test=assessment-sheet] tbody tr')
  const sheet = await page.textContent('[data-test=assessment-sheet]')
  expect(sheet.includes('事件库：截至') && sheet.includes('待评审评分'), `each point with its source: ${sheet.slice(0, 300)}`)
  await pick(page, '[data-test=whatif-figure]', '超期未办结事件')
  await page.fill('[data-test=whatif-value] input', '100')
  await page.click('[data-test=whatif-run]')
  const outcome = await (await page.waitForSelector('[data-test=whatif-outcome]')).textContent()
  expect(/总分 [\d.]+ → [\d.]+，排名/.test(outcome), `what-if: ${outcome}`)
  await shoot(page, { path: join(shots, 'assessment.png') })
  await context.close()
})

await step('the pilot office sets up a target with a lead and a partner; a late milestone warns; the lead reports progress', async () => {
  const { context, page } = await open('pilot')
  const token = await page.evaluate(() => localStorage.getItem('zhili.token'))
  const api = async (method, path, body) => {
    const r = await page.request.fetch(`${base}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, data: JSON.stringify(body) })
    const json = await r.json()
    if (!r.ok()) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`)
    return json
  }
  // The organisation and a key task, as the office keeps them (their own pages come later).
  const leader = (name) => ({ name, title: '组长' })
  await api('PUT', '/pilot/organisation', { office: '区委政法委（试点办）', groups: [
    { code: 'L', kind: 'leading_group', name: '试点工作领导小组', leader: leader('区委书记') },
    { code: 'W5', kind: 'working_group', name: '智治支撑工作组', parent: 'L', leader: { name: '李常务', title: '常务副区长', username: 'district' } },
    { code: 'T23', kind: 'task_force', name: '城市管理进社区专班', parent: 'W5', leader: leader('城管局长'), lead_unit: 'D09' }],
    programmes: [{ code: 'P2', name: '社会共治工程' }, { code: 'P4', name: '智慧平安工程' }],
    site_quotas: [{ level: 'district', count: 3 }, { level: 'unit', count: 30 }, { level: 'village', count: 50 }] })
  const today = new Date(Date.now() + 8 * 3600_000)
  const year = today.getUTCFullYear()
  await page.goto(`${base}/pilot`)
  await page.waitForSelector('[data-test=pilot-summary]')
  // The key task is added to its task force from the organisation's tree.
  await page.click('.el-tabs__item >> text=组织架构')
  await page.waitForSelector('[data-test=organisation-tree] >> text=城市管理进社区专班')
  await page.click('[data-test=add-task-T23]')
  await page.fill('input[data-test=task-code], [data-test=task-code] input', 'K023')
  await page.fill('input[data-test=task-title], [data-test=task-title] input', '城市管理进社区')
  await page.click('[data-test=task-save]')
  await page.waitForSelector('[data-test=organisation-tree] >> text=K023 城市管理进社区')
  await shoot(page, { path: join(shots, 'pilot-organisation.png') })
  await page.click('#tab-warnings')
  // The target: a lead and a partner from the unit lists, a milestone on a day already past
  // and one scheduled back from the due day.
  await page.click('[data-test=add-target]')
  await pick(page, '[data-test=target-task]', 'K023')
  await page.fill('[data-test=target-title] input, input[data-test=target-title]', '城市管理服务点进社区全覆盖')
  await pick(page, '[data-test=target-lead]', '城市管理局')
  await pick(page, '[data-test=target-partners]', '城东街道')
  await page.keyboard.press('Escape')
  await page.fill('[data-test=target-due] .el-date-editor input', `${year}-12-31`)
  await page.keyboard.press('Enter')
  const past = new Date(Math.max(Date.UTC(year, 0, 1), today.getTime() - 20 * 86400000)).toISOString().slice(0, 10)
  const first = page.locator('[data-test=target-milestone]').first()
  await first.locator('input').first().fill('制定实施方案')
  // Through pick, which waits for other lists to close and retries a click a moving list
  // swallowed (CI once left the milestone scheduled back, with no date to fill).
  await pick(page, '[data-test=target-milestone] >> nth=0 >> .el-select', '指定日期')
  await first.locator('.el-date-editor input').fill(past)
  await page.keyboard.press('Enter')
  await page.click('[data-test=add-milestone]')
  await page.locator('[data-test=target-milestone]').nth(1).locator('input').first().fill('验收销号')
  await page.click('[data-test=target-save]')
  await page.waitForSelector('[data-test=target-drawer] [data-test=target-milestones] tbody tr')
  const state = await page.textContent('[data-test=target-state]')
  expect(state.includes('滞后'), `a milestone past its day makes the target late: ${state}`)
  await page.click('.el-drawer__close-btn')
  await page.waitForSelector('[data-test=pilot-warnings] tbody tr')
  const warned = await page.textContent('[data-test=pilot-warnings]')
  expect(warned.includes('红') && warned.includes('制定实施方案') && warned.includes('黔江区城市管理局'), `the warning reaches the office: ${warned}`)
  await page.click('.el-tabs__item >> text=挂图作战')
  await page.waitForSelector('[data-test=wall-chart] .row .mark.late')
  await shoot(page, { path: join(shots, 'pilot-chart.png') })
  // A quarterly inspection held today: its finding becomes the department's rectification.
  await page.click('.el-tabs__item >> text=督查整改')
  await page.click('[data-test=record-inspection]')
  await page.fill('input[data-test=inspection-title], [data-test=inspection-title] input', '季度试点工作督查')
  const held = today.toISOString().slice(0, 10)
  await page.fill('[data-test=inspection-held] .el-date-editor input', held)
  await page.keyboard.press('Enter')
  await page.fill('input[data-test=inspection-inspectors], [data-test=inspection-inspectors] input', '试点办、区委督查室')
  await page.fill('textarea[data-test=inspection-summary], [data-test=inspection-summary] textarea', '对城市管理专班目标推进情况进行督查')
  const finding = page.locator('[data-test=inspection-finding]').first()
  await finding.locator('input').first().fill('社区城管服务点台账不全')
  // Through pick: a click lost while the list opens left the unit empty once in CI (422).
  await pick(page, '[data-test=inspection-finding] >> nth=0 >> .el-select', '黔江区城市管理局')
  const due = new Date(today.getTime() + 20 * 86400000).toISOString().slice(0, 10)
  await finding.locator('.el-date-editor input').fill(due)
  await page.keyboard.press('Enter')
  // What is saved is what was typed: the held day and the deadline, read back from the form.
  const typed = [await page.inputValue('[data-test=inspection-held] .el-date-editor input'), await finding.locator('.el-date-editor input').inputValue()]
  expect(typed[0] === held && typed[1] === due, `the form holds the days typed: ${typed}`)
  await page.click('[data-test=inspection-save]')
  await page.waitForSelector('[data-test=inspection] tbody tr')
  const found = await page.textContent('[data-test=inspection]')
  expect(found.includes('社区城管服务点台账不全') && found.includes('黔江区城市管理局'), `the finding is a rectification: ${found}`)
  // A work meeting chaired by the working group's leader; its decision charges the department.
  await page.click('.el-tabs__item >> text=工作例会')
  await page.click('[data-test=record-meeting]')
  await page.fill('input[data-test=meeting-title], [data-test=meeting-title] input', '试点工作调度会')
  await page.fill('[data-test=meeting-held] .el-date-editor input', held)
  await page.keyboard.press('Enter')
  await page.fill('input[data-test=meeting-chair], [data-test=meeting-chair] input', '常务副区长')
  await pick(page, '[data-test=meeting-chair-account]', '李常务')
  await page.fill('input[data-test=meeting-attendees], [data-test=meeting-attendees] input', '各专班牵头单位负责人')
  await page.fill('textarea[data-test=meeting-minutes], [data-test=meeting-minutes] textarea', '听取城市管理专班进展汇报，部署下步工作')
  const decision = page.locator('[data-test=meeting-decision]').first()
  await decision.locator('input').first().fill('服务点验收前补齐台账')
  await decision.locator('.el-select').click()
  await page.click('.el-select-dropdown__item:visible >> text=黔江区城市管理局')
  await decision.locator('.el-date-editor input').fill(new Date(today.getTime() + 15 * 86400000).toISOString().slice(0, 10))
  await page.keyboard.press('Enter')
  await page.click('[data-test=meeting-save]')
  await page.waitForSelector('[data-test=meeting] tbody tr')
  const minuted = await page.textContent('[data-test=meeting]')
  expect(minuted.includes('服务点验收前补齐台账') && minuted.includes('常务副区长'), `the decision is a target: ${minuted}`)
  // Last month's report of the department is open for it to write (the demo may have it
  // submitted already: the office returns it first).
  const lastMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString().slice(0, 7)
  const kept = await api('GET', `/pilot/monthly/${lastMonth}/D09`)
  if (kept.state === 'submitted') await api('POST', `/pilot/monthly/${lastMonth}/D09/return`, { version: kept.version, reason: '请补充具体举措' })
  await context.close()

  // The lead department sees the warning on its own page and reports the milestone done.
  const dept = await open('dept-D09', { width: 1280, height: 900 })
  await dept.page.goto(`${base}/pilot`)
  await dept.page.waitForSelector('[data-test=pilot-warnings] tbody tr')
  await dept.page.click('[data-test=pilot-warnings] tbody tr >> nth=0')
  await dept.page.waitForSelector('[data-test=progress-form]')
  await dept.page.fill('[data-test=progress-note] textarea, textarea[data-test=progress-note]', '实施方案已印发，各街道完成服务点选址')
  await dept.page.fill('[data-test=progress-percent] input, input[data-test=progress-percent]', '40')
  await dept.page.click('[data-test=progress-done] >> text=制定实施方案')
  await dept.page.setInputFiles('[data-test=progress-photos]', { name: 'plan.jpg', mimeType: 'image/jpeg', buffer: photo })
  await dept.page.waitForFunction(() => document.querySelector('[data-test=progress-photo-count]')?.textContent?.trim() === '1')
  await dept.page.click('[data-test=progress-submit]')
  await dept.page.waitForSelector('[data-test=progress-report]')
  // The evidence is shown back to the unit that reported it.
  await dept.page.waitForFunction(() => [...document.querySelectorAll('[data-test=progress-report] img[data-test=progress-photo]')].some((i) => i.complete && i.naturalWidth > 0))
  const reported = await dept.page.textContent('[data-test=progress-report]')
  expect(reported.includes('40%') && reported.includes('实施方案已印发'), `the report is kept: ${reported}`)
  const milestones = await dept.page.textContent('[data-test=target-milestones]')
  expect(milestones.includes('逾期完成'), `the milestone done after its day: ${milestones}`)
  await shoot(dept.page, { path: join(shots, 'pilot-report.png') })
  // The inspection's rectification is the department's to put right.
  await dept.page.click('.el-drawer__close-btn')
  await dept.page.click('.el-tabs__item >> text=督查整改')
  await dept.page.waitForSelector('[data-test=inspection] tbody tr')
  expect((await dept.page.textContent('[data-test=inspection]')).includes('社区城管服务点台账不全'), 'the department reads its rectification')
  // Last month's report, drafted from the record, edited and submitted after a confirmation.
  await dept.page.click('.el-tabs__item >> text=月度报告')
  await dept.page.waitForSelector('[data-test=monthly-report]')
  const drafted = await dept.page.inputValue('textarea[data-test=monthly-done], [data-test=monthly-done] textarea')
  expect(drafted.includes('目标任务推进情况') && drafted.includes('事件办理情况'), `the draft comes from the record: ${drafted}`)
  await dept.page.fill('textarea[data-test=monthly-problems], [data-test=monthly-problems] textarea', '部分街道服务点选址用地协调滞后')
  await dept.page.click('[data-test=monthly-submit]')
  await dept.page.click('.el-message-box__btns .el-button--primary')
  await dept.page.waitForFunction(() => document.querySelector('[data-test=monthly-state]')?.textContent?.includes('已报送'))
  await shoot(dept.page, { path: join(shots, 'pilot-monthly.png') })
  await dept.context.close()
  // A unit that is not the target's does not see it.
  const other = await open('dept-D01')
  await other.page.goto(`${base}/pilot`)
  await other.page.waitForSelector('[data-test=pilot-summary]')
  expect((await other.page.textContent('[data-test=pilot-summary]')).includes('目标任务 0 项'), 'another department has no targets here')
  await other.context.close()
  // The reviewer scores the department's reviewer-scored item with basis and a photo of the
  // evidence; the sheet traces it to the signed entry.
  const office = await open('pilot')
  await office.page.goto(`${base}/assessment`)
  await office.page.click('.el-radio-button >> text=区级部门')
  await office.page.waitForSelector('[data-test=publish]')
  // The departments' sheet is figured from the record: on a loaded machine it takes a while,
  // and a click on the group while the page still settles can be lost — choose it again.
  const deptRow = office.page.locator('[data-test=assessment-units] tbody tr', { hasText: '黔江区城市管理局' }).first()
  await deptRow.waitFor({ timeout: 15000 }).catch(async () => {
    await office.page.click('.el-radio-button >> text=区级部门')
  })
  await deptRow.click({ timeout: 60000 })
  await office.page.click('[data-test=enter-M1]')
  await office.page.fill('[data-test=review-value] input', '8')
  await office.page.fill('textarea[data-test=review-basis], [data-test=review-basis] textarea', '查阅城管局制度汇编及专班会议纪要')
  await office.page.setInputFiles('[data-test=review-photos]', { name: 'evidence.jpg', mimeType: 'image/jpeg', buffer: photo })
  // The save waits for the photo's upload (it is enabled without one).
  await office.page.waitForFunction(() => document.querySelector('[data-test=review-photo-count]')?.textContent?.trim() === '1')
  await office.page.click('[data-test=review-save]')
  await office.page.waitForSelector('[data-test=review-entry] [data-test=review-photo] img')
  const traced = await office.page.textContent('[data-test=assessment-sheet]')
  expect(traced.includes('查阅城管局制度汇编') && traced.includes('签名'), `the sheet traces the signed entry: ${traced}`)
  await shoot(office.page, { path: join(shots, 'assessment-review.png') })
  await office.page.click('.el-drawer__close-btn')
  // The year's departments' result published (after a confirmation) and the 40% sheet filed.
  await office.page.click('[data-test=publish]')
  await office.page.click('.el-message-box__btns .el-button--primary')
  const tag = await (await office.page.waitForSelector('[data-test=published]')).textContent()
  expect(tag.includes('发布'), `published: ${tag}`)
  const [sheet] = await Promise.all([office.page.waitForEvent('download'), office.page.click('[data-test=safe-city-export]')])
  expect(sheet.suggestedFilename().includes('计入平安建设考核') && sheet.suggestedFilename().endsWith('.xlsx'), `saved as ${sheet.suggestedFilename()}`)
  const bytes = readFileSync(await sheet.path())
  expect(bytes.length > 1000 && bytes[0] === 0x50 && bytes[1] === 0x4b, 'an .xlsx (a zip) of some size')
  await shoot(office.page, { path: join(shots, 'assessment-published.png') })
  // The department reads its own published sheet and appeals the reviewed line; the office
  // upholds it with a corrected score, beside the frozen result.
  const appellant = await open('dept-D09', { width: 1280, height: 900 })
  await appellant.page.goto(`${base}/assessment`)
  await appellant.page.waitForSelector('[data-test=assessment-units] tbody tr')
  expect((await appellant.page.locator('[data-test=assessment-units] tbody tr').count()) === 1, 'a department reads its own sheet only')
  await appellant.page.click('[data-test=assessment-units] tbody tr >> nth=0')
  await appellant.page.click('[data-test=appeal-M1]')
  await appellant.page.fill('textarea[data-test=appeal-reason], [data-test=appeal-reason] textarea', '制度汇编已于九月更新，评审时未采纳更新稿')
  await appellant.page.click('[data-test=appeal-save]')
  await appellant.page.click('.el-drawer__close-btn')
  await appellant.page.waitForSelector('[data-test=appeals-table] tbody tr')
  expect((await appellant.page.textContent('[data-test=appeals-table]')).includes('待处理'), 'the appeal waits for the office')
  await shoot(appellant.page, { path: join(shots, 'assessment-appeal.png') })
  await appellant.context.close()
  await office.page.reload()
  await office.page.click('.el-radio-button >> text=区级部门')
  await office.page.click('[data-test=appeal-decide]')
  await office.page.click('[data-test=decide-upheld] >> text=申诉成立')
  await office.page.fill('[data-test=decide-score] input', '9')
  await office.page.fill('textarea[data-test=decide-reason], [data-test=decide-reason] textarea', '经复核属实，按更新稿评分')
  await office.page.click('[data-test=decide-save]')
  await office.page.waitForSelector('[data-test=appeal-state]:visible')
  expect((await office.page.textContent('[data-test=appeals-table]')).includes('申诉成立'), 'the appeal is upheld')
  // The leader's record and the 述职 drafted from it.
  await office.page.goto(`${base}/pilot`)
  // A tab click made while the page still settles can be lost: click until its pane shows.
  for (let attempt = 0; ; attempt++) {
    await office.page.click('.el-tabs__item >> text=领导实绩档案')
    try {
      await office.page.waitForSelector('[data-test=pick-leader]:visible', { timeout: 5000 })
      break
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
  await pick(office.page, '[data-test=pick-leader]', '李常务')
  const record = await (await office.page.waitForSelector('[data-test=leader-record]')).textContent()
  expect(record.includes('分管目标任务 1 项') && record.includes('黔江区城市管理局') && record.includes('主持试点工作例会 1 次'), `the record: ${record}`)
  const [report] = await Promise.all([office.page.waitForEvent('download'), office.page.click('[data-test=download-report]')])
  expect(report.suggestedFilename().includes('述职报告') && report.suggestedFilename().endsWith('.docx'), `saved as ${report.suggestedFilename()}`)
  await shoot(office.page, { path: join(shots, 'pilot-leader.png') })
  // The checklist at a glance; the office assesses a requirement on its unit's behalf and
  // reviews it.
  await office.page.click('.el-tabs__item >> text=对标清单')
  const glance = await (await office.page.waitForSelector('[data-test=checklist-readiness]')).textContent()
  expect(glance.includes('17 项重点任务、41 项分解任务、88 个基本要求，14 项区域特色指引'), `the checklist's shape: ${glance}`)
  await office.page.click('[data-test=checklist-task] >> nth=0')
  await office.page.click('[data-test="claim-01.1.1"]')
  await office.page.click('[data-test=checklist-standing] >> text=基本达标')
  await office.page.fill('textarea[data-test=checklist-note], [data-test=checklist-note] textarea', '区委常委会已专题研究两次，会议纪要已归档')
  await office.page.click('[data-test=checklist-save]')
  await office.page.click('[data-test="verdict-01.1.1"]')
  await office.page.click('[data-test=checklist-standing] >> text="达标"')
  await office.page.fill('textarea[data-test=checklist-note], [data-test=checklist-note] textarea', '查阅会议纪要，符合要求')
  await office.page.click('[data-test=checklist-save]')
  await office.page.waitForFunction(() => document.querySelector('[data-test=checklist-task]')?.textContent?.includes('符合要求'))
  await shoot(office.page, { path: join(shots, 'pilot-checklist.png') })
  const [checklistFile] = await Promise.all([office.page.waitForEvent('download'), office.page.click('[data-test=checklist-export]')])
  expect(checklistFile.suggestedFilename().endsWith('.xlsx'), `saved as ${checklistFile.suggestedFilename()}`)
  // A demonstration site set up, applied for with a photo and named; each level against its quota.
  await office.page.click('.el-tabs__item >> text=示范点')
  await office.page.waitForSelector('[data-test=sites-level-unit]')
  expect((await office.page.textContent('[data-test=sites-level-unit]')).includes('已命名 0 / 计划 30 个'), 'the quota of departments and towns')
  await office.page.click('[data-test=add-site]')
  await office.page.fill('input[data-test=site-code], [data-test=site-code] input', 'SF-U-01')
  await office.page.fill('input[data-test=site-name], [data-test=site-name] input', '城管进社区示范点')
  await pick(office.page, '[data-test=site-level]', '部门和镇街')
  await pick(office.page, '[data-test=site-programme]', '社会共治工程')
  await pick(office.page, '[data-test=site-host]', '黔江区城市管理局')
  const siteDue = office.page.locator('[data-test=site-due] input, input[data-test=site-due]').first()
  await siteDue.fill(`${year}-12-31`)
  await siteDue.press('Enter')
  await office.page.click('.el-dialog__title:visible')
  await office.page.fill('textarea[data-test=site-description], [data-test=site-description] textarea', '城市管理服务点进社区，建立“街长制”')
  await office.page.click('[data-test=site-add-save]')
  await office.page.click('[data-test=apply-SF-U-01]')
  await office.page.fill('textarea[data-test=site-note], [data-test=site-note] textarea', '服务点已建成运行，街长制覆盖全部街巷')
  await office.page.setInputFiles('[data-test=site-photos]', { name: 'site.jpg', mimeType: 'image/jpeg', buffer: photo })
  await office.page.waitForFunction(() => !document.querySelector('[data-test=site-save]')?.hasAttribute('disabled'))
  await office.page.click('[data-test=site-save]')
  await office.page.click('[data-test=decide-SF-U-01]')
  expect(await office.page.isDisabled('[data-test=site-save]'), 'nothing decided for the office')
  await office.page.click('[data-test=site-verdict] >> text=验收通过，予以命名')
  await office.page.fill('textarea[data-test=site-note], [data-test=site-note] textarea', '经实地验收，予以命名')
  await office.page.click('[data-test=site-save]')
  await office.page.waitForFunction(() => document.querySelector('[data-test=sites-level-unit]')?.textContent?.includes('已命名 1 / 计划 30 个'))
  expect((await office.page.textContent('[data-test=sites-table]')).includes('已命名'), 'the site is named')
  await shoot(office.page, { path: join(shots, 'pilot-sites.png') })
  // A key project entered in the ledger, then its first report: spending, a milestone, under way.
  await office.page.click('.el-tabs__item >> text=项目台账')
  await office.page.click('[data-test=add-project]')
  await office.page.fill('input[data-test=project-code], [data-test=project-code] input', 'ZD-01')
  await office.page.fill('input[data-test=project-title], [data-test=project-title] input', '区群众诉求接待中心')
  await pick(office.page, '[data-test=project-kind]', '重点项目')
  await pick(office.page, '[data-test=project-programme]', '社会共治工程')
  await pick(office.page, '[data-test=project-lead]', '黔江区城市管理局')
  await office.page.fill('[data-test=project-budget] input', '4500')
  for (const [sel, value] of [['project-starts', `${year}-01-01`], ['project-ends', `${year + 1}-12-31`]]) {
    const input = office.page.locator(`[data-test=${sel}] input, input[data-test=${sel}]`).first()
    await input.fill(value)
    await input.press('Enter')
  }
  await office.page.click('.el-dialog__title:visible')
  await office.page.click('[data-test=project-add-save]')
  await office.page.waitForSelector('[data-test=project-drawer] [data-test=project-report]')
  await office.page.fill('[data-test=project-spent] input', '800')
  await pick(office.page, '[data-test=project-status]', '实施中')
  await office.page.fill('textarea[data-test=project-note], [data-test=project-note] textarea', '完成立项批复，进场施工')
  await office.page.click('[data-test=project-send]')
  await office.page.waitForFunction(() => document.querySelector('[data-test=project-drawer]')?.textContent?.includes('完成立项批复'))
  const summary = await office.page.textContent('[data-test=projects-summary]')
  expect(summary.includes('重点项目 1 个，总投资 4,500 万元'), `the ledger's summary: ${summary}`)
  await shoot(office.page, { path: join(shots, 'pilot-projects.png') })
  await office.page.keyboard.press('Escape')
  const [ledgerFile] = await Promise.all([office.page.waitForEvent('download'), office.page.click('[data-test=export-ledger]')])
  expect(ledgerFile.suggestedFilename().endsWith('.xlsx'), `saved as ${ledgerFile.suggestedFilename()}`)
  // The office reads the department's submitted report and files it as .docx.
  await office.page.click('.el-tabs__item >> text=月度报告')
  await office.page.click('[data-test=monthly-list] tbody tr >> text=黔江区城市管理局')
  await office.page.waitForFunction(() => document.querySelector('[data-test=monthly-state]')?.textContent?.includes('已报送'))
  const problems = await office.page.inputValue('textarea[data-test=monthly-problems], [data-test=monthly-problems] textarea')
  expect(problems.includes('选址用地协调滞后'), `the office reads what the unit wrote: ${problems}`)
  const [monthly] = await Promise.all([office.page.waitForEvent('download'), office.page.click('[data-test=monthly-download]')])
  expect(monthly.suggestedFilename().includes('月度报告') && monthly.suggestedFilename().endsWith('.docx'), `saved as ${monthly.suggestedFilename()}`)
  await office.context.close()
})

await step('a grid worker registers a key person and records a visit; an operator imports a sheet with bad rows', async () => {
  const { context, page } = await open('grid-500114001001001', { width: 1280, height: 900 })
  await page.goto(`${base}/people`)
  await page.click('[data-test=register-person]')
  const number = idNumber('19850317', Date.now() % 1000)
  await page.fill('[data-test=new-id-number] input, input[data-test=new-id-number]', number)
  await page.fill('[data-test=new-person-name] input, input[data-test=new-person-name]', '测试人员')
  // A migrant: the form asks for where from and why.
  await pick(page, '[data-test=new-population-type]', '流动人口')
  await page.fill('[data-test=detail-origin] input, input[data-test=detail-origin]', '湖北省恩施州')
  await pick(page, '[data-test=detail-reason]', '务工')
  // Into a house of the grid: a household member.
  const address = (await pick(page, '[data-test=new-person-house]', null, '.house-options')).split('（')[0]
  await page.click('[data-test=save-person]')
  await Promise.race([page.waitForURL(/\/people\/\d+$/), page.waitForSelector('[data-test=person-error]')])
  const refused = (await page.locator('[data-test=person-error]').count()) ? await page.locator('[data-test=person-error]').textContent() : null
  expect(refused === null, `registration refused: ${refused}`)
  await page.waitForURL(/\/people\/\d+$/)
  const shown = await (await page.waitForSelector('[data-test=person-id]')).textContent()
  expect(shown.startsWith('5001') && shown.includes('****') && !shown.includes(number), `masked on the page: ${shown}`)
  expect((await page.locator('.el-descriptions').textContent()).includes(address), `lives at ${address}`)
  // Nothing is chosen for the user: 社区矫正对象 is picked, then its own fields.
  expect(await page.locator('[data-test=add-role]').isDisabled(), 'a key group before one is chosen')
  await pick(page, '[data-test=role-kind]', '社区矫正对象')
  await pick(page, '[data-test=role-correction_type]', '缓刑')
  await page.fill('[data-test=role-started_on] input, input[data-test=role-started_on]', '2026-01-05')
  await page.click('[data-test=add-role]')
  await page.waitForSelector('[data-test=key-roles] tr')
  expect((await page.locator('[data-test=key-roles]').textContent()).includes('缓刑'), 'the group fields are shown')
  await page.fill('input[data-test=visit-place]', '家中')
  await page.fill('input[data-test=visit-findings]', '情况稳定')
  await page.setInputFiles('[data-test=visit-photo]', { name: 'visit.jpg', mimeType: 'image/jpeg', buffer: photo })
  await page.waitForFunction(() => document.querySelector('.upload .el-button')?.textContent.includes('已添加'))
  await page.click('[data-test=save-visit]')
  await page.waitForSelector('[data-test=visits] li')
  await page.click('[data-test=reveal]')
  await page.fill('input[data-test=reveal-reason]', '核对户籍信息')
  await page.click('[data-test=confirm-reveal]')
  await page.waitForFunction((n) => document.querySelector('[data-test=person-id]')?.textContent === n, number)
  await shoot(page, { path: join(shots, 'person.png'), fullPage: true })
  await context.close()

  const operator = await open('village-500114001001')
  await operator.page.goto(`${base}/people`)
  await operator.page.click('[data-test=import-people]')
  const bad = idNumber('19900101', 7).slice(0, 17) + (idNumber('19900101', 7).endsWith('1') ? '2' : '1')
  const csv = `证件号码,姓名,网格编码\n${idNumber('19700505', 1)},甲,500114001001001\n${bad},乙,500114001001001\n${idNumber('19800808', 2)},,500114002001001\n`
  await operator.page.setInputFiles('[data-test=people-file]', { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await operator.page.click('[data-test=check-people]')
  await operator.page.waitForSelector('[data-test=people-problems] tbody tr')
  const problems = await operator.page.locator('[data-test=people-problems] tbody tr').allTextContents()
  expect(problems.length === 3 && problems[0].includes('3') && problems[0].includes('证件号码'), `problems ${JSON.stringify(problems)}`)
  await shoot(operator.page, { path: join(shots, 'people-import.png') })
  await operator.page.click('[data-test=import-valid]')
  await operator.page.waitForFunction(() => document.querySelector('[data-test=import-summary]')?.textContent?.includes('1 已导入'))
  await operator.context.close()
})

await step('a grid worker records a sensitive situation; the commander reads it, the village does not see it', async () => {
  const title = `拟集体上访苗头 ${Date.now() % 100000}`
  const { context, page } = await open('grid-500114001001001', { width: 1280, height: 900 })
  await page.goto(`${base}/situations`)
  await page.waitForSelector('[data-test=situations]')
  await page.click('[data-test=new-situation]')
  await pick(page, '[data-test=situation-kind]', '涉稳信息')
  await pick(page, '[data-test=situation-level]', '敏感')
  await page.fill('[data-test=situation-title] input, input[data-test=situation-title]', title)
  await page.fill('[data-test=situation-text] textarea, textarea[data-test=situation-text]', '部分村民拟就征地补偿到区政府集体上访，已报告镇综治中心。')
  await page.click('[data-test=situation-tags]')
  await page.keyboard.type('征地拆迁')
  await page.keyboard.press('Enter')
  await page.click('.el-dialog__title')
  await page.waitForSelector('.el-select-dropdown:visible', { state: 'detached' }).catch(() => {})
  await page.click('[data-test=save-situation]')
  await page.waitForFunction(() => document.querySelector('[data-test=situation-content]')?.textContent?.includes('集体上访'))
  await context.close()

  const village = await open('village-500114001001')
  await village.page.goto(`${base}/situations?`)
  await village.page.waitForSelector('[data-test=situations]')
  await village.page.fill('[data-test=situation-q] input, input[data-test=situation-q]', title)
  await village.page.keyboard.press('Enter')
  await village.page.waitForSelector('[data-test=situations] .el-table__empty-block')
  await village.context.close()

  const district = await open('district')
  await district.page.goto(`${base}/situations`)
  await district.page.fill('[data-test=situation-q] input, input[data-test=situation-q]', title)
  await district.page.keyboard.press('Enter')
  await district.page.click(`[data-test=situations] td:has-text("${title}")`)
  await district.page.waitForFunction(() => document.querySelector('[data-test=situation-content]')?.textContent?.includes('集体上访'))
  await district.page.waitForTimeout(600) // the drawer's slide-in, for the picture
  await shoot(district.page, { path: join(shots, 'situation.png') })
  await district.context.close()
})

await step('a grid worker\'s registry and situations fit the phone', async () => {
  const { context, page } = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  await page.goto(`${base}/people`)
  await page.waitForSelector('[data-test=people-cards] li')
  await fitsScreen(page, 'the people list at 360 px')
  await speaksChinese(page, 'the people list')
  await shoot(page, { path: join(shots, 'phone-people.png'), fullPage: true })
  await page.click('[data-test=register-person]')
  await page.waitForSelector('.el-dialog.is-fullscreen')
  await fitsScreen(page, 'the registration form at 360 px')
  await page.keyboard.press('Escape')
  await page.locator('[data-test=people-cards] li').first().click()
  await page.waitForSelector('[data-test=person-id]')
  await fitsScreen(page, 'a person at 360 px')
  await shoot(page, { path: join(shots, 'phone-person.png'), fullPage: true })
  await page.goto(`${base}/situations`)
  await page.waitForSelector('[data-test=new-situation]')
  await fitsScreen(page, 'situations at 360 px')
  await shoot(page, { path: join(shots, 'phone-situations.png'), fullPage: true })
  await context.close()
})

await step('components and cameras with the uptime of each area', async () => {
  const { context, page } = await open('town-500114001')
  await page.goto(`${base}/things`)
  await page.waitForSelector('[data-test=things]')
  await page.waitForSelector('[data-test=uptime]')
  await shoot(page, { path: join(shots, 'things.png') })
  // A sheet of components with one bad row: the report names it, the good row goes in.
  await page.click('[data-test=import-things]')
  const point = await page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const r = await fetch('/api/v1/things?kind=component&page_size=1', { headers: { Authorization: `Bearer ${token}` } })
    const t = (await r.json()).items[0]
    return [t.lon, t.lat]
  })
  const sheet = `类型,编码,名称,经度,纬度,责任单位\n部件,5001140103${900000 + (Date.now() % 100000)},路灯,${point[0]},${point[1]},D09\n部件,5009990103000001,路灯,${point[0]},${point[1]},\n`
  await page.setInputFiles('[data-test=things-file]', { name: 'things.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet) })
  await page.click('[data-test=check-things]')
  await page.waitForSelector('[data-test=things-problems] tbody tr')
  const problems = await page.locator('[data-test=things-problems] tbody tr').allTextContents()
  expect(problems.length === 1 && problems[0].startsWith('3') && problems[0].includes('编码'), `problems ${JSON.stringify(problems)}`)
  await page.click('[data-test=import-valid]')
  await page.waitForFunction(() => document.querySelector('[data-test=import-summary]')?.textContent?.includes('1 已导入'))
  await shoot(page, { path: join(shots, 'things-import.png') })
  await page.keyboard.press('Escape')
  await page.click('text=单位场所')
  await page.waitForSelector('[data-test=orgs]')
  await context.close()
})

await step('the map shows cameras and organisations as layers', async () => {
  const { context, page } = await open('district')
  await page.goto(`${base}/command`)
  await mapReady(page)
  await page.click('[data-test=place-layers] >> text=视频监控')
  await page.click('[data-test=place-layers] >> text=单位场所')
  await page.waitForFunction(() => {
    const m = window.__zhiliMap
    return m.querySourceFeatures('place-cameras').length > 100 && m.querySourceFeatures('place-orgs').length > 10
  }, null, { timeout: 30000 })
  await shoot(page, { path: join(shots, 'map-layers.png') })
  await context.close()
})

await step('a dispute goes to mediation and walks the statute to its end; a refusal stops a case', async () => {
  // What the village's room's star review counts before.
  const reviewer = await open('district', { width: 1440, height: 900 })
  const roomCases = () => reviewer.page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date())
    const r = await (await fetch(`/api/v1/mediation/star-review/${year}`, { headers: { Authorization: `Bearer ${token}` } })).json()
    return r.rooms.find((x) => x.region_code === '500114001001').cases
  })
  const casesBefore = await roomCases()
  // The grid worker's dispute event, opened on the phone, becomes a case in one step.
  const worker = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  const event = await worker.page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const grid = await (await fetch('/api/v1/regions/500114001001001?geometry=true', { headers: { Authorization: `Bearer ${token}` } })).json()
    const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0]
    // Somewhere inside: the first ring's points averaged, checked by the server's locate.
    let [lon, lat] = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0])
    const r = await fetch('/api/v1/events', {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'grid_patrol', category: '0102', description: '两户因排水沟堵塞发生争吵', location: { lon, lat } }),
    })
    return (await r.json()).id
  })
  expect(Number.isInteger(event), `the dispute event was not reported: ${event}`)
  await worker.page.goto(`${base}/events/${event}`)
  await worker.page.click('[data-test=open-mediation]')
  await pick(worker.page, '[data-test=committee]', '文汇社区人民调解委员会')
  await worker.page.fill('[data-test=party-0] [data-test=party-name] input, [data-test=party-0] input[data-test=party-name]', '张大山')
  await worker.page.fill('[data-test=party-1] [data-test=party-name] input, [data-test=party-1] input[data-test=party-name]', '李小河')
  await fitsScreen(worker.page, 'opening a mediation case on the phone')
  await shoot(worker.page, { path: join(shots, 'mediation-open-phone.png') })
  await worker.page.click('[data-test=open-submit]')
  await worker.page.waitForURL(/\/mediation\/\d+$/)
  const caseId = worker.page.url().split('/').pop()
  await worker.page.waitForSelector('[data-test=mediation-number]')
  await fitsScreen(worker.page, 'a mediation case on the phone')
  await shoot(worker.page, { path: join(shots, 'mediation-case-phone.png') })
  // A mediator's on-the-spot mediation from the phone, in one go.
  await worker.page.goto(`${base}/phone`)
  await worker.page.waitForSelector('[data-test=on-the-spot]')
  await pick(worker.page, '[data-test=spot-category]', '邻里纠纷')
  await worker.page.fill('[data-test=spot-a] input, input[data-test=spot-a]', '孙一')
  await worker.page.fill('[data-test=spot-b] input, input[data-test=spot-b]', '周二')
  await worker.page.fill('[data-test=spot-facts] textarea, textarea[data-test=spot-facts]', '两户因楼道堆放杂物争执')
  await worker.page.click('[data-test=spot-agreed] >> text=口头协议')
  await worker.page.fill('[data-test=spot-terms] textarea, textarea[data-test=spot-terms]', '孙一当日清理杂物，双方互相谅解')
  await fitsScreen(worker.page, 'on-the-spot mediation on the phone')
  await shoot(worker.page, { path: join(shots, 'mediation-on-the-spot.png'), fullPage: true })
  await worker.page.click('[data-test=spot-submit]')
  await worker.page.waitForURL(/\/mediation\/\d+$/)
  await worker.page.waitForSelector('[data-test=mediation-status] >> text=协议履行中')
  await worker.context.close()

  // The village's station: consent, the mediator, two sessions, a written agreement.
  const { context, page } = await open('village-500114001001', { width: 1440, height: 900 })
  await page.goto(`${base}/mediation`)
  await page.waitForSelector('[data-test=mediation-cases] .el-table__row')
  await shoot(page, { path: join(shots, 'mediation-list.png') })
  await page.goto(`${base}/mediation/${caseId}`)
  const take = async (name, fill) => {
    await page.click(`[data-step=${name}]`)
    await fill()
    const missing = await page.locator('[data-test=step-missing]').count()
    expect(!missing, `${name} still needs: ${missing && (await page.locator('[data-test=step-missing]').textContent())}`)
    const before = await page.locator('[data-test=mediation-timeline] li').count()
    await page.click('[data-test=submit-step]')
    await Promise.race([
      page.waitForFunction((n) => document.querySelectorAll('[data-test=mediation-timeline] li').length > n, before),
      page.waitForSelector('[data-test=step-error]'),
    ])
    const error = await page.locator('[data-test=step-error]').count()
    expect(!error, `${name} refused: ${error && (await page.locator('[data-test=step-error]').textContent())}`)
  }
  for (const party of ['张大山', '李小河']) {
    await take('consent', async () => {
      await pick(page, '[data-test=consent-party]', party)
      await page.click('[data-test=consent-given] >> text=同意')
    })
  }
  await take('assign', async () => {
    await pick(page, '[data-test=assign-mediators]', '调解员')
    await page.keyboard.press('Escape')
  })
  for (const n of [1, 2]) {
    await take('session', async () => {
      await page.fill('[data-test=session-minutes] textarea, textarea[data-test=session-minutes]', `第${n}次调解：双方陈述意见，调解员释明相邻关系的法律规定。`)
    })
  }
  await take('agree', async () => {
    await page.click('[data-test=agreement-form] >> text=书面协议')
    await page.fill('[data-test=agreement-terms] textarea, textarea[data-test=agreement-terms]', '张大山于十日内疏通排水沟，李小河承担一半费用。')
    await page.fill('[data-test=agreement-manner] input, input[data-test=agreement-manner]', '现场交付，村调委会见证')
    const day = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10)
    await page.fill('[data-test=mediation-actions] .el-date-editor input', day)
    await page.keyboard.press('Enter')
  })
  expect((await page.textContent('[data-test=agreement]')).includes('疏通排水沟'), 'the agreement shows its terms')
  // The agreement as a Word file to sign.
  const [saved] = await Promise.all([page.waitForEvent('download'), page.click('[data-document=agreement]')])
  expect(saved.suggestedFilename().startsWith('人民调解协议书') && saved.suggestedFilename().endsWith('.docx'), `saved as ${saved.suggestedFilename()}`)
  const file = readFileSync(await saved.path())
  expect(file.length > 1000 && file[0] === 0x50 && file[1] === 0x4b, 'a .docx (a zip) of some size')
  await page.waitForSelector('[data-test=documents] li')
  await take('apply_confirmation', async () => { await page.click('[data-test=confirmation-joint]') })
  await shoot(page, { path: join(shots, 'mediation-agreed.png') })
  await context.close()

  // The court rules; the station records performance and the follow-up visit.
  const court = await open('dept-D02', { width: 1440, height: 900 })
  await court.page.goto(`${base}/mediation/${caseId}`)
  await court.page.click('[data-step=record_confirmation]')
  await court.page.click('[data-test=confirmation-ruling] >> text=确认有效')
  await court.page.click('[data-test=submit-step]')
  await court.page.waitForSelector('[data-test=confirmation] >> text=确认有效')
  await court.context.close()
  const station = await open('village-500114001001', { width: 1440, height: 900 })
  await station.page.goto(`${base}/mediation/${caseId}`)
  await station.page.click('[data-step=record_performance]')
  await station.page.click('[data-test=performance] >> text=已履行')
  await station.page.click('[data-test=submit-step]')
  await station.page.waitForSelector('[data-step=follow_up]')
  await station.page.click('[data-step=follow_up]')
  await station.page.fill('[data-test=follow-up-note] textarea, textarea[data-test=follow-up-note]', '电话回访，双方对履行情况满意')
  await station.page.click('[data-test=submit-step]')
  await station.page.waitForSelector('[data-test=mediation-status] >> text=已办结')
  await shoot(station.page, { path: join(shots, 'mediation-closed.png') })
  // The room's record now counts the case (and the one settled on the spot) in its star review.
  const casesAfter = await roomCases()
  expect(casesAfter === casesBefore + 2, `the room's review counts ${casesAfter}, was ${casesBefore}`)
  await reviewer.page.goto(`${base}/mediation`)
  await reviewer.page.click('text=星级评定')
  await reviewer.page.waitForSelector('[data-test=review-rooms] .el-table__row')
  await shoot(reviewer.page, { path: join(shots, 'mediation-star-review.png') })
  await reviewer.page.click('text=统计分析')
  await reviewer.page.waitForSelector('[data-test=stats-rows] .el-table__row')
  await shoot(reviewer.page, { path: join(shots, 'mediation-stats.png') })
  const [sheet] = await Promise.all([reviewer.page.waitForEvent('download'), reviewer.page.click('[data-test=stats-export]')])
  expect(sheet.suggestedFilename().endsWith('.xlsx'), `the statistics sheet is ${sheet.suggestedFilename()}`)
  await reviewer.page.goto(`${base}/command`)
  await reviewer.page.waitForSelector('[data-test=kpi-mediationTile]')
  await reviewer.context.close()

  // One party's clear refusal stops a case.
  const refused = await station.page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const h = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
    const committees = await (await fetch('/api/v1/mediation/committees', { headers: h })).json()
    const c = committees.find((x) => x.region_code === '500114001001')
    const r = await fetch('/api/v1/mediation/cases', {
      method: 'POST', headers: h,
      body: JSON.stringify({ committee_id: c.id, origin: 'application', region_code: '500114001001', category: '0101', title: '家庭纠纷', facts: '夫妻争吵，一方申请调解。', parties: [{ name: '赵六' }, { name: '钱七' }] }),
    })
    return (await r.json()).id
  })
  await station.page.goto(`${base}/mediation/${refused}`)
  await station.page.click('[data-step=consent]')
  await pick(station.page, '[data-test=consent-party]', '钱七')
  await station.page.click('[data-test=consent-given] >> text=拒绝')
  await station.page.click('[data-test=submit-step]')
  await station.page.waitForSelector('[data-test=mediation-status] >> text=当事人拒绝调解')
  // The overdue view warns in red.
  await station.page.goto(`${base}/mediation`)
  // How many are overdue, as the API says; the list then shows them, every one in red.
  const overdue = await station.page.evaluate(async () => {
    const token = localStorage.getItem('zhili.token')
    const r = await fetch('/api/v1/mediation/cases?overdue=true&page_size=1', { headers: { Authorization: `Bearer ${token}` } })
    return (await r.json()).total
  })
  await station.page.click('[data-test=mediation-view] >> text=仅超期')
  await station.page.waitForFunction((n) => {
    const rows = [...document.querySelectorAll('[data-test=mediation-cases] .el-table__row')]
    return document.querySelector('[data-test=mediation-total]')?.textContent?.trim() === String(n)
      && rows.length === Math.min(n, 20) && rows.every((r) => r.querySelector('.warning-red'))
  }, overdue, { timeout: 15000 })
  await station.page.goto(`${base}/mediation`)
  await station.page.click('text=调解组织')
  await station.page.waitForSelector('[data-test=rooms] .el-table__row')
  await shoot(station.page, { path: join(shots, 'mediation-rooms.png') })
  await station.context.close()
})

/** An API call from the test itself (as staff), the answer as JSON. */
async function api(token, method, path, body) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/** The latest code the outbox holds for a number ending in `last4` (no SMS provider here: an
 * administrator reads it). */
async function heldCode(admin, last4) {
  for (let i = 0; i < 50; i++) {
    const held = await api(admin, 'GET', `/outbox?phone_last4=${last4}&limit=1`)
    const code = held[0]?.state === 'held' ? /\d{6}/.exec(held[0].body)?.[0] : null
    if (code) return code
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no code in the outbox for …${last4}`)
}

async function staffToken(username) {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) })
  return (await r.json()).token
}

await step('a resident signs up on their phone, links to their person, reports with a photo, follows it to closure and rates it', async () => {
  const [admin, worker, village] = await Promise.all(['admin', 'grid-500114001001001', 'village-500114001001'].map(staffToken))
  // The resident's registration, as the grid worker made it.
  const number = idNumber('19800214', 517)
  await api(worker, 'POST', '/people', { id_number: number, name: '冉秀英', grid_code: '500114001001001' })
  // Where they stand: a place in their village where reports were made before.
  const near = (await api(village, 'GET', '/events?region=500114001001&page_size=1')).items[0]
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true,
    geolocation: { longitude: near.lon, latitude: near.lat }, permissions: ['geolocation'],
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`resident: page error: ${e.message}`))
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`resident: ${r.status()} ${r.url()}`) })
  await page.goto(`${base}/r`)
  await page.waitForURL((u) => u.pathname === '/r/login')
  await page.fill('[data-test=r-phone]', '13912340517')
  expect(await page.isDisabled('[data-test=r-enter]'), 'no sign-in before a code is given')
  await page.click('[data-test=r-ask]')
  await page.waitForSelector('[data-test=r-sent]')
  expect((await page.textContent('[data-test=r-ask]')).includes('秒后重发'), 'the wait before another code')
  await fitsScreen(page, 'resident sign-in')
  await shoot(page, { path: join(shots, 'resident-sign-in.png') })
  // The outbox holds the code (no SMS provider here); an administrator reads it.
  const code = await heldCode(admin, '0517')
  await page.fill('[data-test=r-code]', code)
  await page.click('[data-test=r-enter]')
  await page.waitForURL((u) => u.pathname === '/r')
  await page.waitForSelector('[data-test=r-link]')
  // Linking: their name and ID number; nothing says whose a wrong number is.
  await page.fill('[data-test=r-link-name]', '冉秀英')
  await page.fill('[data-test=r-link-number]', number)
  await page.click('[data-test=r-link-go]')
  await page.waitForSelector('[data-test=r-link]', { state: 'detached' })
  expect((await page.textContent('header')).includes('冉秀英'), 'linked: their name shown')
  // A report with a photo and their position.
  await page.click('[data-test=r-tab-report]')
  await pick(page, '[data-test=r-category]', '路灯')
  await page.fill('[data-test=r-description]', '巷口路灯坏了一个星期，晚上很黑')
  await page.setInputFiles('[data-test=r-photo-input]', { name: 'lamp.jpg', mimeType: 'image/jpeg', buffer: photo })
  await page.click('[data-test=r-gps]')
  await page.waitForSelector('[data-test=r-gps] >> text=已获取位置')
  await page.click('[data-test=r-send]')
  await page.waitForSelector('[data-test=r-report-message]')
  const caseNumber = /编号 (\S+)/.exec(await page.textContent('[data-test=r-report-message]'))[1]
  await fitsScreen(page, 'resident report')
  await shoot(page, { path: join(shots, 'resident-report.png') })
  // The loop as the staff walk it.
  const found = (await api(village, 'GET', `/events?q=${encodeURIComponent(caseNumber)}&page_size=1`)).items[0]
  let e = await api(village, 'POST', `/events/${found.id}/actions`, { action: 'register' })
  e = await api(village, 'POST', `/events/${found.id}/actions`, { action: 'dispatch' })
  const lead = await staffToken(e.lead_unit.startsWith('S') ? `village-${e.lead_unit.slice(1)}` : `dept-${e.lead_unit}`)
  await api(lead, 'POST', `/events/${found.id}/actions`, { action: 'accept' })
  await api(lead, 'POST', `/events/${found.id}/actions`, { action: 'handle', feedback: '已更换路灯灯头' })
  // Verified by the worker of the grid the report was placed in (its position decides it).
  const verifier = await staffToken(`grid-${e.grid_code}`)
  await api(verifier, 'POST', `/events/${found.id}/actions`, { action: 'verify', passed: true })
  await api(village, 'POST', `/events/${found.id}/actions`, { action: 'close' })
  // The resident finds it waiting for their rating, told at each step.
  await page.reload()
  await page.click('[data-test=r-tab-messages]')
  await page.waitForSelector('[data-test=r-messages] li >> text=已办结')
  const told = await page.textContent('[data-test=r-messages]')
  for (const said of ['已受理', '已派给责任单位', '已更换路灯灯头', '已办结']) expect(told.includes(said), `told: ${said}`)
  await page.click('[data-test=r-tab-mine]')
  await page.click(`[data-test=r-event-${found.id}]`)
  await page.waitForSelector('[data-test=r-rate]')
  const steps = await page.textContent('[data-test=r-progress]')
  for (const said of ['受理', '派遣', '处置反馈', '已更换路灯灯头', '结案']) expect(steps.includes(said), `progress: ${said}`)
  expect(await page.isDisabled('[data-test=r-rate-go]'), 'no stars given until the resident chooses')
  await fitsScreen(page, 'resident event')
  await shoot(page, { path: join(shots, 'resident-event.png') })
  await page.locator('[data-test=r-stars] .el-rate__item').nth(3).click()
  await page.fill('[data-test=r-comment]', '修得很快')
  await page.click('[data-test=r-rate-go]')
  await page.waitForSelector('[data-test=r-event-rated]')
  expect((await page.textContent('[data-test=r-event-status]')).includes('已评价'), 'rated')
  const staffView = await api(village, 'GET', `/events/${found.id}`)
  expect(staffView.satisfaction === 4, `the KPIs count the resident's 4: ${staffView.satisfaction}`)
  await context.close()
})

await step('the reception desk takes a walk-in appeal with its receipt, finds the caller, replies to one waiting and sends a dispute on to mediation', async () => {
  const { context, page } = await open('district-operator')
  await page.goto(`${base}/desk`)
  await page.waitForSelector('[data-test=desk-figures]')
  // The queue comes first: callers owed a reply on their closed case.
  const waitingBefore = await page.locator('[data-test=desk-waiting] li').count()
  expect(await page.isDisabled('[data-test=desk-submit]'), 'nothing taken before the form is filled')
  await page.fill('[data-test=desk-phone]', '13800139999')
  await page.click('[data-test=desk-lookup]')
  await page.waitForSelector('[data-test=desk-caller] >> text=历史诉求 0 件')
  await page.click('[data-test=desk-channel] >> text=来访')
  await page.fill('[data-test=desk-name]', '向女士')
  await pick(page, '[data-test=desk-category]', '路灯')
  await page.fill('[data-test=desk-description]', '来访反映：文汇社区正街路灯连续三晚不亮')
  await pick(page, '[data-test=desk-village]', '文汇社区')
  await page.click('[data-test=desk-submit]')
  await page.waitForSelector('[data-test=desk-receipt]')
  const caseNumber = (await page.textContent('[data-test=desk-case-number]')).trim()
  expect(caseNumber.startsWith('500114-'), `case number ${caseNumber}`)
  expect((await page.textContent('[data-test=desk-receipt-sent]')).includes('已发送'), 'the receipt went to the mobile')
  await shoot(page, { path: join(shots, 'desk-receipt.png') })
  await page.locator('.el-dialog:visible .el-dialog__headerbtn').click()
  await page.waitForSelector('[data-test=desk-caller] >> text=历史诉求 1 件')
  if (waitingBefore > 0) {
    const first = page.locator('[data-test=desk-waiting] li button').first()
    const replied = await first.getAttribute('data-test')
    await first.click()
    await page.waitForSelector('[data-test=desk-reply]')
    await page.click('[data-test=desk-reply-channel] >> text=电话')
    await page.fill('[data-test=desk-said]', '已电话告知办理结果，来电人表示满意')
    await page.locator('[data-test=desk-rating] .el-rate__item').nth(3).click()
    await page.click('[data-test=desk-reply-send]')
    await page.waitForSelector('[data-test=desk-reply]', { state: 'detached' })
    // Replied: it leaves the queue.
    await page.waitForSelector(`[data-test=${replied}]`, { state: 'detached' })
  }
  await shoot(page, { path: join(shots, 'desk.png') })
  // A dispute taken at the desk goes on to people's mediation from its receipt.
  await page.fill('[data-test=desk-phone]', '13800138888')
  await page.click('[data-test=desk-lookup]')
  await page.waitForSelector('[data-test=desk-caller] >> text=历史诉求 0 件')
  await page.click('[data-test=desk-channel] >> text=来访')
  await page.fill('[data-test=desk-name]', '张先生')
  await pick(page, '[data-test=desk-category]', '邻里纠纷')
  await page.fill('[data-test=desk-description]', '来访反映：与邻居因排水沟堵塞多次争吵，请求调解')
  await pick(page, '[data-test=desk-village]', '文汇社区')
  await page.click('[data-test=desk-submit]')
  await page.click('[data-test=desk-mediate]')
  await pick(page, '[data-test=committee]', '文汇社区人民调解委员会')
  await page.fill('[data-test=party-0] [data-test=party-name] input, [data-test=party-0] input[data-test=party-name]', '张先生')
  await page.fill('[data-test=party-1] [data-test=party-name] input, [data-test=party-1] input[data-test=party-name]', '王大姐')
  await page.click('[data-test=open-submit]')
  await page.waitForURL(/\/mediation\/\d+$/)
  await page.waitForSelector('[data-test=mediation-number]')
  await context.close()
})

await step('a survey is opened, answered online, at the door and by telephone, and its published results show margins', async () => {
  const [admin, worker] = await Promise.all(['admin', 'grid-500114001001001'].map(staffToken))
  // The district drafts the year's safety round from the shipped questionnaire and opens it.
  const district = await open('district')
  await district.page.goto(`${base}/surveys`)
  await district.page.click('[data-test=survey-new]')
  expect(await district.page.isDisabled('[data-test=survey-create]'), 'no questionnaire chosen for them')
  await pick(district.page, '[data-test=survey-template]', '群众安全感测评')
  await district.page.fill('[data-test=survey-title]', '浏览器测试安全感测评')
  await shoot(district.page, { path: join(shots, 'survey-draft.png') })
  await district.page.click('[data-test=survey-create]')
  await district.page.waitForSelector('[data-test=survey-state] >> text=草稿')
  await district.page.click('[data-test=survey-open]')
  await district.page.click('.el-message-box__btns .el-button--primary')
  await district.page.waitForSelector('[data-test=survey-state] >> text=调查中')
  const round = (await api(worker, 'GET', '/surveys')).find((x) => x.title === '浏览器测试安全感测评')
  expect(round && round.state === 'open', 'the round is open')

  // A resident answers online on their phone: the follow-up question appears with the answer
  // that asks for it.
  const number = idNumber('19750521', 611)
  await api(worker, 'POST', '/people', { id_number: number, name: '龚海燕', grid_code: '500114001001001' })
  await fetch(`${base}/api/v1/resident/code`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: '13912340611' }) })
  const code = await heldCode(admin, '0611')
  const session = await (await fetch(`${base}/api/v1/resident/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: '13912340611', code }) })).json()
  const linked = await api(session.token, 'POST', '/resident/link', { id_number: number, name: '龚海燕' })
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true })
  await phone.addInitScript(([token, me]) => {
    localStorage.setItem('zhili.resident.token', token)
    localStorage.setItem('zhili.resident', JSON.stringify(me))
  }, [session.token, linked])
  const rpage = await phone.newPage()
  rpage.on('pageerror', (e) => problems.push(`survey resident: page error: ${e.message}`))
  rpage.on('response', (r) => { if (r.status() >= 400) problems.push(`survey resident: ${r.status()} ${r.url()}`) })
  await rpage.goto(`${base}/r`)
  await rpage.click('[data-test=r-tab-surveys]')
  await rpage.click(`[data-test=r-survey-${round.id}]`)
  await rpage.waitForSelector('[data-test=survey-form]')
  expect(await rpage.isDisabled('[data-test=survey-submit]'), 'nothing answered, nothing sent')
  expect(await rpage.locator('[data-test=q-worry]').count() === 0, 'the follow-up is hidden at first')
  await rpage.click('[data-test=q-safe] >> text=不太安全')
  await rpage.waitForSelector('[data-test=q-worry]')
  await rpage.click('[data-test=q-worry] >> text=电信网络诈骗')
  await rpage.click('[data-test=q-patrol] >> text=偶尔见到')
  await rpage.click('[data-test=q-dispute] >> text=没有')
  await rpage.click('[data-test=q-score] .el-radio-button >> text="2"')
  await rpage.fill('[data-test=q-advice-text]', '希望多宣传防诈骗知识')
  await fitsScreen(rpage, 'resident survey')
  await shoot(rpage, { path: join(shots, 'resident-survey.png') })
  await rpage.click('[data-test=survey-submit]')
  await rpage.waitForSelector('[data-test=r-survey-thanks]')

  // A grid worker at the door, on their phone: a registered person of their grid.
  const neighbour = (await api(worker, 'GET', '/people?region=500114001001001&page_size=20')).items.find((p) => p.name !== '龚海燕')
  const door = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  await door.page.goto(`${base}/phone`)
  await door.page.click('[data-test=phone-surveys]')
  await door.page.waitForSelector('[data-test=survey-door]')
  await door.page.fill('[data-test=survey-person-q]', neighbour.name)
  await door.page.click('[data-test=survey-person-find]')
  await door.page.locator('[data-test=survey-people] li', { hasText: neighbour.name }).first().click()
  await door.page.waitForSelector('[data-test=survey-respondent]')
  await door.page.click('[data-test=q-safe] >> text=很安全')
  await door.page.click('[data-test=q-patrol] >> text=经常见到')
  await door.page.click('[data-test=q-dispute] >> text=没有')
  await door.page.click('[data-test=q-score] .el-radio-button >> text="5"')
  await fitsScreen(door.page, 'door-to-door survey')
  await shoot(door.page, { path: join(shots, 'survey-door.png') })
  await door.page.click('[data-test=survey-submit]')
  await door.page.waitForSelector('[data-test=survey-thanks]')
  await door.context.close()

  // The desk by telephone: someone drawn from the registry, with the number to call.
  const desk = await open('district-operator')
  await desk.page.goto(`${base}/surveys`)
  await desk.page.click(`[data-test=survey-round-${round.id}]`)
  await desk.page.click('[data-test=survey-draw]')
  await desk.page.waitForSelector('[data-test=survey-drawn]')
  expect(/1\d{10}/.test(await desk.page.textContent('[data-test=survey-drawn]')), 'the number to call')
  await desk.page.click('[data-test=survey-phone] [data-test=q-safe] >> text="安全"')
  await desk.page.click('[data-test=survey-phone] [data-test=q-patrol] >> text=偶尔见到')
  await desk.page.click('[data-test=survey-phone] [data-test=q-dispute] >> text=没有')
  await desk.page.click('[data-test=survey-phone] [data-test=q-score] .el-radio-button >> text="4"')
  await desk.page.click('[data-test=survey-phone] [data-test=survey-submit]')
  await desk.page.waitForSelector('[data-test=survey-thanks]')
  await desk.context.close()

  // Closed and published: the results carry their margins and say the sample is small.
  await district.page.reload()
  await district.page.click(`[data-test=survey-round-${round.id}]`)
  await district.page.click('[data-test=survey-close]')
  await district.page.click('.el-message-box__btns .el-button--primary')
  await district.page.waitForSelector('[data-test=survey-state] >> text=已结束')
  await district.page.click('[data-test=survey-publish]')
  await district.page.click('.el-message-box__btns .el-button--primary')
  await district.page.waitForSelector('[data-test=survey-state] >> text=已公布')
  await district.page.waitForSelector('[data-test=survey-margin] >> text=±')
  await district.page.waitForSelector('[data-test=survey-too-small]')
  expect((await district.page.textContent('[data-test=survey-modes]')).replace(/\s/g, '').includes('网上填答1入户调查1电话访问1'), 'one answer each way')
  await shoot(district.page, { path: join(shots, 'survey-results.png') })
  // Down to the town the answers came from, and back.
  await district.page.locator('[data-test=survey-areas] tbody tr', { hasText: '城东街道' }).click()
  await district.page.waitForSelector('[data-test=survey-up]')
  await district.page.click('[data-test=survey-up]')
  await district.page.waitForSelector('[data-test=survey-up]', { state: 'detached' })
  const [sheet] = await Promise.all([district.page.waitForEvent('download'), district.page.click('[data-test=survey-export]')])
  expect(sheet.suggestedFilename().endsWith('.xlsx'), `the sheet is ${sheet.suggestedFilename()}`)
  await district.context.close()

  // The resident reads the published results.
  await rpage.reload()
  await rpage.waitForSelector('[data-test=survey-figures] [data-test=survey-margin] >> text=±')
  await fitsScreen(rpage, 'resident survey results')
  await shoot(rpage, { path: join(shots, 'resident-survey-results.png') })
  await phone.close()
})

await step('a village sets its point rules, a verified hazard report earns its reporter points, the notice passes, the resident redeems once; a grid worker awards from the phone', async () => {
  const [admin, worker, village] = await Promise.all(['admin', 'grid-500114001001001', 'village-500114001001'].map(staffToken))
  // The station adopts its rules from the district's model: nothing is adopted until the
  // assembly and its date are said.
  const station = await open('village-500114001001')
  let page = station.page
  await page.goto(`${base}/points`)
  await page.waitForSelector('[data-test=points-queue]')
  await page.click('[data-test=points-tab-rules]')
  await page.click('[data-test=rules-template]')
  await page.waitForSelector('[data-test=rules-draft]')
  expect(await page.isDisabled('[data-test=rules-adopt]'), 'no adoption without its assembly and date')
  await page.fill('[data-test=rules-adopted-on] .el-date-editor input', '2026-03-01')
  await page.keyboard.press('Enter')
  await page.fill('[data-test=rules-adopted-by] input, input[data-test=rules-adopted-by]', '村民代表大会')
  await page.click('[data-test=rules-adopt]')
  await page.waitForSelector('[data-test=rules-adopted]')
  await page.waitForSelector('[data-test=rules-version] >> text=村民代表大会')
  await shoot(page, { path: join(shots, 'points-rules.png') })

  // A resident of the village reports a hazard; the staff walk it to verification.
  const number = idNumber('19820704', 713)
  await api(worker, 'POST', '/people', { id_number: number, name: '向春兰', grid_code: '500114001001001' })
  await fetch(`${base}/api/v1/resident/code`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: '13912340713' }) })
  const code = await heldCode(admin, '0713')
  const session = await (await fetch(`${base}/api/v1/resident/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: '13912340713', code }) })).json()
  const linked = await api(session.token, 'POST', '/resident/link', { id_number: number, name: '向春兰' })
  const near = (await api(village, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  const made = await api(session.token, 'POST', '/resident/events', { category: '0602', description: '村道边护栏断了一截，孩子上学要经过', location: { lon: near.lon, lat: near.lat } })
  let e = await api(village, 'POST', `/events/${made.id}/actions`, { action: 'register' })
  e = await api(village, 'POST', `/events/${made.id}/actions`, { action: 'dispatch' })
  const lead = await staffToken(e.lead_unit.startsWith('S') ? `village-${e.lead_unit.slice(1)}` : `dept-${e.lead_unit}`)
  await api(lead, 'POST', `/events/${made.id}/actions`, { action: 'accept' })
  await api(lead, 'POST', `/events/${made.id}/actions`, { action: 'handle', feedback: '已修复护栏' })
  await api(await staffToken(`grid-${e.grid_code}`), 'POST', `/events/${made.id}/actions`, { action: 'verify', passed: true })

  // The verified report waits in the station's queue; approved, it goes on notice.
  await page.click('[data-test=points-tab-queue]')
  const entry = page.locator('[data-test=points-queue] li', { hasText: '向春兰' })
  await entry.waitFor()
  expect((await entry.textContent()).includes('报告安全隐患'), 'the item the rules give for a verified report')
  await shoot(page, { path: join(shots, 'points-queue.png') })
  await entry.locator('[data-test=points-approve]').click()
  await page.waitForSelector('[data-test=points-queue] li >> text=向春兰', { state: 'detached' })
  // The notice passes (the harness moves the settling clock on); the balance is there.
  let balance = 0
  for (let i = 0; i < 40 && balance === 0; i++) {
    await new Promise((r) => setTimeout(r, 250))
    const accounts = await api(village, 'GET', '/points/accounts')
    balance = accounts.find((a) => a.person_name === '向春兰')?.balance ?? 0
  }
  expect(balance === 5, `credited after the notice: ${balance}`)

  // The station stocks its shop, saying where the money comes from.
  await page.click('[data-test=points-tab-shop]')
  await page.fill('[data-test=goods-name] input, input[data-test=goods-name]', '洗洁精')
  await page.fill('[data-test=goods-price] input', '5')
  await page.fill('[data-test=goods-stock-input] input', '3')
  await page.fill('[data-test=goods-funding] input, input[data-test=goods-funding]', '乡贤捐赠')
  await page.click('[data-test=goods-add]')
  await page.waitForSelector('[data-test=points-shop] li >> text=乡贤捐赠')
  await station.context.close()

  // The resident redeems on their phone, once, however often they tap.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true })
  await phone.addInitScript(([token, me]) => {
    localStorage.setItem('zhili.resident.token', token)
    localStorage.setItem('zhili.resident', JSON.stringify(me))
  }, [session.token, linked])
  const rpage = await phone.newPage()
  rpage.on('pageerror', (x) => problems.push(`points resident: page error: ${x.message}`))
  await rpage.goto(`${base}/r`)
  await rpage.click('[data-test=r-tab-points]')
  await rpage.waitForSelector('[data-test=r-points-balance] >> text=5')
  const goods = rpage.locator('[data-test=r-points] li', { hasText: '洗洁精' })
  await goods.locator('[data-test=r-goods-redeem]').click()
  await rpage.click('.el-popconfirm .el-button--primary')
  await rpage.waitForSelector('[data-test=r-points-message]')
  await rpage.waitForSelector('[data-test=r-points-balance] >> text=0')
  await fitsScreen(rpage, 'resident points')
  await shoot(rpage, { path: join(shots, 'resident-points.png') })
  const shop = await api(village, 'GET', '/points/goods')
  const soap = shop.find((g) => g.name === '洗洁精')
  expect(soap.stock === 2 && soap.redeemed === 1, `stock and balance changed once: ${JSON.stringify(soap)}`)
  expect(await rpage.isDisabled('[data-test=r-goods-redeem]'), 'no points left: nothing more to redeem')
  await phone.close()

  // A grid worker puts points forward from the phone: nothing pre-selected.
  const gw = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  await gw.page.goto(`${base}/points`)
  await gw.page.waitForSelector('[data-test=points-award]')
  expect(await gw.page.isDisabled('[data-test=points-submit]'), 'no resident or item chosen for them')
  await pick(gw.page, '[data-test=points-person]', '向春兰')
  await pick(gw.page, '[data-test=points-item]', '参加环境整治')
  await gw.page.fill('[data-test=points-note] textarea, textarea[data-test=points-note]', '参加村道两侧垃圾清理')
  await gw.page.click('[data-test=points-submit]')
  await gw.page.waitForSelector('[data-test=points-submitted]')
  await fitsScreen(gw.page, 'grid worker points')
  await shoot(gw.page, { path: join(shots, 'points-award-phone.png') })
  await gw.context.close()
  const waiting = await api(village, 'GET', '/points/entries?state=pending')
  expect(waiting.some((x) => x.item_code === 'GY01' && x.person_name === '向春兰'), 'the award waits for the village')
})

await step('a village records a yard meeting whose decision settles a 小事, which closes with the meeting on its record', async () => {
  const [worker, village] = await Promise.all(['grid-500114001001001', 'village-500114001001'].map(staffToken))
  const near = (await api(village, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  const e = await api(worker, 'POST', '/events', { channel: 'grid_patrol', category: '0102', description: '三组两户因排水沟堵塞争吵（议事测试）', location: { lon: near.lon, lat: near.lat } })
  await api(village, 'POST', `/events/${e.id}/actions`, { action: 'register' })
  const { context, page } = await open('village-500114001001')
  await page.goto(`${base}/deliberations`)
  await page.click('[data-test=delib-new]')
  await page.waitForSelector('[data-test=delib-form]')
  expect(await page.isDisabled('[data-test=delib-record]'), 'no kind of meeting chosen for them')
  await page.click('[data-test=delib-kind] >> text=坝坝会')
  await page.fill('[data-test=delib-title] input, input[data-test=delib-title]', '三组排水沟清淤')
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)
  await page.fill('[data-test=delib-held] .el-date-editor input', today)
  await page.keyboard.press('Enter')
  await page.fill('[data-test=delib-place] input, input[data-test=delib-place]', '三组晒坝')
  await page.fill('[data-test=delib-host] input, input[data-test=delib-host]', '田国强')
  await page.fill('[data-test=delib-attendees] input, input[data-test=delib-attendees]', '田国强、向春兰、冉秀英')
  await page.fill('[data-test=delib-agenda] textarea, textarea[data-test=delib-agenda]', '排水沟清淤分工')
  await pick(page, '[data-test=delib-matters]', '议事测试')
  await page.keyboard.press('Escape')
  const d = page.locator('[data-test=delib-decision-0]')
  await d.locator('textarea').fill('沿沟五户各出工一天，周六前清淤完毕')
  await d.locator('.row input').first().fill('三组组长')
  await d.locator('.el-date-editor input').fill(new Date(Date.now() + 8 * 3600000 + 5 * 86400000).toISOString().slice(0, 10))
  await page.keyboard.press('Enter')
  await pick(page, '[data-test=delib-decision-0] .concerns', '议事测试')
  await d.locator('.el-checkbox').click()
  await shoot(page, { path: join(shots, 'deliberation-form.png') })
  await page.click('[data-test=delib-record]')
  await page.waitForSelector('[data-test=delib-recorded]')
  await page.waitForSelector(`text=已议结事件 #${e.id}`)
  const closed = await api(village, 'GET', `/events/${e.id}`)
  expect(closed.status === 'closed', `the 小事 is closed: ${closed.status}`)
  expect(JSON.stringify(closed.timeline).includes('议事记录 #'), 'the meeting is on its record')
  await shoot(page, { path: join(shots, 'deliberations.png') })
  await context.close()
})

await step('a community assesses its 五乐 year, its town reviews it with a reason, and the map shows its grade', async () => {
  const station = await open('village-500114001001')
  let page = station.page
  await page.goto(`${base}/wule`)
  await page.waitForSelector('[data-test=wule-state] >> text=尚未开始自评')
  const items = page.locator('[data-test^=wule-item-]')
  const n = await items.count()
  expect(n === 20, `twenty items: ${n}`)
  for (let i = 0; i < n; i++) {
    const item = items.nth(i)
    await item.locator('.el-input-number input').fill(i === 0 ? '3' : '5')
    await item.locator('.el-input-number input').blur()
    await item.locator('.el-input:not(.el-input-number .el-input) input').last().fill('活动台账与照片')
  }
  await page.click('[data-test=wule-submit]')
  await page.click('.el-popconfirm .el-button--primary')
  await page.waitForSelector('[data-test=wule-message] >> text=已提交镇街审核')
  await page.waitForSelector('[data-test=wule-state] >> text=待镇街审核')
  await shoot(page, { path: join(shots, 'wule-self.png') })
  await station.context.close()

  const town = await open('town-500114001')
  page = town.page
  await page.goto(`${base}/wule`)
  const row = page.locator('[data-test=wule-row-500114001001]')
  await row.waitFor()
  expect((await row.textContent()).includes('98'), 'the village\'s own total')
  await row.locator('[data-test=wule-review]').click()
  await page.waitForSelector('[data-test=wule-review-panel]')
  const library = page.locator('[data-test=wule-review-learn_library]')
  await library.locator('.el-input-number input').fill('3')
  await library.locator('.el-input-number input').blur()
  await library.locator('.el-input:not(.el-input-number .el-input) input').last().fill('书屋开放记录不全')
  await page.click('[data-test=wule-approve]')
  await page.waitForSelector('[data-test=wule-message] >> text=已审定')
  const reviewed = page.locator('[data-test=wule-row-500114001001]')
  await reviewed.filter({ hasText: '五乐示范社区' }).waitFor({ timeout: 10000 }).catch(() => {})
  expect((await reviewed.textContent()).includes('96') && (await reviewed.textContent()).includes('五乐示范社区'), `reviewed: ${await reviewed.textContent()}`)
  await shoot(page, { path: join(shots, 'wule-review.png') })
  await town.context.close()

  const district = await open('district')
  page = district.page
  await page.goto(`${base}/command`)
  await mapReady(page)
  await page.click('[data-test=place-layers] >> text=五乐社区')
  await page.waitForFunction(() => {
    const m = window.__zhiliMap
    return m && m.getLayoutProperty('wule-village', 'visibility') === 'visible' && JSON.stringify(m.getFilter('wule-village')).includes('500114001001')
  }, null, { timeout: 15000 })
  await district.context.close()
})

await step('a patrol checks in at every checkpoint from the phone and reports a finding that becomes an event', async () => {
  const village = await staffToken('village-500114001001')
  const near = (await api(village, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  // Checkpoints 40 m apart in a direction that keeps all three inside the worker's grid (a
  // finding is reported where the check-in is).
  const metre = { lon: 1 / (111195 * Math.cos(near.lat * Math.PI / 180)), lat: 1 / 111195 }
  let dir = null
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [0.7, 0.7], [-0.7, -0.7]]) {
    const inside = await Promise.all([1, 2].map((i) => api(village, 'GET', `/locate?lon=${near.lon + dx * 40 * i * metre.lon}&lat=${near.lat + dy * 40 * i * metre.lat}`).catch(() => null)))
    if (inside.every((x) => x?.grid?.code === '500114001001001')) { dir = [dx, dy]; break }
  }
  expect(dir, 'a direction inside the grid')
  const point = (i) => ({ longitude: near.lon + dir[0] * 40 * i * metre.lon, latitude: near.lat + dir[1] * 40 * i * metre.lat })
  const compound = await api(village, 'POST', '/compounds', { name: '文汇大院', lead_unit: '文汇社区居委会', members: ['一号楼', '二号楼', '社区幼儿园'] })
  const route = await api(village, 'POST', `/compounds/${compound.id}/routes`, { name: '夜间巡逻', checkpoints: [0, 1, 2].map((i) => ({ name: `打卡点${i + 1}`, lon: point(i).longitude, lat: point(i).latitude, radius_m: 40 })) })
  const now = Date.now()
  const shift = await api(village, 'POST', '/patrol/shifts', { route_id: route.id, team: '联防一组：田国强、向春兰', starts_at: new Date(now - 60000).toISOString(), ends_at: new Date(now + 7200000).toISOString() })
  const gw = await open('grid-500114001001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true, geolocation: { ...point(0), accuracy: 8 }, permissions: ['geolocation'] })
  const page = gw.page
  await page.goto(`${base}/patrol`)
  await page.click(`[data-test=patrol-shift-${shift.id}]`)
  await page.waitForSelector('[data-test=patrol-shift]')
  await page.click('[data-test=patrol-check-0]')
  await page.waitForSelector('[data-test=patrol-message] >> text=打卡成功')
  await gw.context.setGeolocation({ ...point(1), accuracy: 10 })
  await pick(page, '[data-test=patrol-finding-category]', '路灯')
  await page.fill('[data-test=patrol-finding] textarea, textarea[data-test=patrol-finding]', '车棚旁路灯不亮')
  await page.click('[data-test=patrol-check-1]')
  await page.waitForSelector('[data-test=patrol-message] >> text=已上报')
  await gw.context.setGeolocation({ ...point(2), accuracy: 10 })
  await page.click('[data-test=patrol-check-2]')
  await page.waitForSelector('[data-test=patrol-point-2] >> text=已打卡')
  await fitsScreen(page, 'patrol check-in')
  await shoot(page, { path: join(shots, 'patrol-phone.png') })
  await page.click('[data-test=patrol-end]')
  await page.waitForSelector('[data-test=patrol-message] >> text=全部打卡点已巡到')
  const detail = await api(village, 'GET', `/patrol/shifts/${shift.id}`)
  const reported = detail.check_ins.find((c) => c.event_id)
  expect(detail.check_ins.length === 3 && detail.check_ins.every((c) => c.flags.length === 0), `three clean check-ins: ${JSON.stringify(detail.check_ins)}`)
  const e = await api(village, 'GET', `/events/${reported.event_id}`)
  expect(e.description.includes('车棚旁路灯不亮'), 'the finding is an event')
  await gw.context.close()
})

await step('a village police post takes a case dispatched to it, named in the police\'s terms, and the map shows the posts', async () => {
  const [worker, village] = await Promise.all(['grid-500114001001001', 'village-500114001001'].map(staffToken))
  const near = (await api(village, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  const e = await api(worker, 'POST', '/events', { channel: 'grid_patrol', category: '0201', description: '夜间有人撬车棚锁（警务室测试）', location: { lon: near.lon, lat: near.lat } })
  await api(village, 'POST', `/events/${e.id}/actions`, { action: 'register', matter_class: '大事', reason: '涉嫌盗窃，交警务室' })
  await api(village, 'POST', `/events/${e.id}/actions`, { action: 'dispatch', lead: 'P500114001001' })
  const police = await open('police-P500114001001')
  await police.page.goto(`${base}/events/${e.id}`)
  await police.page.waitForSelector('[data-test=police-class] >> text=治安案件')
  await police.page.click('[data-action=accept]')
  await shoot(police.page, { path: join(shots, 'police-post-event.png') })
  await police.context.close()
  const district = await open('district')
  await district.page.goto(`${base}/command`)
  await mapReady(district.page)
  await district.page.click('[data-test=place-layers] >> text=警务室')
  await district.page.waitForFunction(() => {
    const m = window.__zhiliMap
    return m && m.getLayoutProperty('police', 'visibility') === 'visible' && m.querySourceFeatures('police').length >= 5
  }, null, { timeout: 15000 })
  await district.context.close()
})

await step('a village station posts its grid leader (一人兼) and arranges a cover; the leader sees only the grids they lead', async () => {
  const village = await staffToken('village-500114001001')
  const g1 = '500114001001001'
  const roster = await api(village, 'GET', '/grid-staff?region=500114001001')
  // The grid to cover: one of the village's others where something has been reported.
  let g3 = null
  for (const g of roster.grids.slice(2)) {
    if ((await api(village, 'GET', `/events?region=${g.grid_code}&page_size=1`)).items.length) { g3 = g.grid_code; break }
  }
  expect(g3, 'a grid with events to cover')
  const name = (code) => roster.grids.find((g) => g.grid_code === code).grid_name
  const account = (username) => roster.accounts.find((a) => a.username === username)
  const leader = account('leader-500114001001')
  const [w2, w3] = ['grid-500114001001002', `grid-${g3}`].map(account)
  const station = await open('village-500114001001')
  let page = station.page
  await page.goto(`${base}/staffing`)
  await page.waitForSelector(`[data-test=staff-grid-${g1}]`)
  await page.click('[data-test=staff-new]')
  await page.waitForSelector('[data-test=staff-form]')
  expect(await page.locator('[data-test=staff-save]').isDisabled(), 'nothing chosen for them')
  await pick(page, '[data-test=staff-grid]', name(g1))
  await pick(page, '[data-test=staff-post]', '网格长')
  await pick(page, '[data-test=staff-person]', leader.display_name)
  await page.click('[data-test=staff-head]')
  await page.click('[data-test=staff-save]')
  await page.waitForSelector('[data-test=staff-message] >> text=已配备')
  await page.locator(`[data-test=staff-grid-${g1}]`).filter({ hasText: '一人兼' }).waitFor()
  await page.click('[data-test=cover-new]')
  await pick(page, '[data-test=cover-grid]', name(g3))
  await pick(page, '[data-test=cover-absent]', w3.display_name)
  await pick(page, '[data-test=cover-by]', w2.display_name)
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)
  const later = new Date(Date.now() + 8 * 3600000 + 3 * 86400000).toISOString().slice(0, 10)
  const range = page.locator('[data-test=cover-days] input')
  await range.first().fill(today)
  await range.last().fill(later)
  await page.keyboard.press('Enter')
  await page.keyboard.press('Escape')
  await page.fill('[data-test=cover-reason] input, input[data-test=cover-reason]', '年休假')
  await page.click('[data-test=cover-save]')
  await page.waitForSelector('[data-test=staff-message] >> text=已安排顶岗')
  await page.locator(`[data-test=staff-grid-${g3}]`).filter({ hasText: '顶岗中' }).waitFor()
  await shoot(page, { path: join(shots, 'staffing.png') })
  const [sheet] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=staff-export]')])
  expect(sheet.suggestedFilename().endsWith('网格力量花名册.xlsx'), `the roster downloads: ${sheet.suggestedFilename()}`)
  await station.context.close()

  // The leader, on the phone: their home is what waits for them, their grids are the one they lead.
  const phone = await open('leader-500114001001', { width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  page = phone.page
  expect(new URL(page.url()).pathname === '/inbox', `the leader lands on the inbox: ${page.url()}`)
  await page.goto(`${base}/staffing`)
  await page.waitForSelector(`[data-test=staff-grid-${g1}]`)
  expect(await page.locator('[data-test^=staff-grid-]').count() === 1, 'only the grid they lead')
  await fitsScreen(page, 'grid leader staffing')
  const mine = await api(await staffToken('leader-500114001001'), 'GET', '/events?page_size=100')
  expect(mine.items.length > 0 && mine.items.every((e) => e.grid_code === g1), `only grid 1's events: ${mine.items.map((e) => e.grid_code)}`)
  // The worker covering grid 3 sees its events meanwhile.
  const covering = await api(await staffToken('grid-500114001001002'), 'GET', `/events?region=${g3}&page_size=5`)
  expect(covering.items.length > 0, 'the cover opens grid 3 to grid 2\'s worker')
  await shoot(page, { path: join(shots, 'staffing-leader.png') })
  await phone.context.close()
})

await step('an administrator issues a system\'s API key, shown once, which the system then uses; then revokes it', async () => {
  const { context, page } = await open('admin')
  await page.goto(`${base}/admin?tab=keys`)
  await page.click('.el-tabs__item >> text=系统接入')
  await page.click('[data-test=key-new]')
  await page.waitForSelector('[data-test=key-form]')
  expect(await page.isDisabled('[data-test=key-issue]'), 'nothing chosen for them')
  await pick(page, '[data-test=key-unit]', '公安')
  await page.fill('[data-test=key-name] input, input[data-test=key-name]', '雪亮工程视频平台')
  await page.click('[data-test=key-channels] >> text=视频预警')
  const end = new Date(Date.now() + 8 * 3600000 + 180 * 86400000).toISOString().slice(0, 10)
  await page.fill('[data-test=key-ends] input', end)
  await page.keyboard.press('Enter')
  await page.click('[data-test=key-form] .el-dialog__title')
  await page.click('[data-test=key-issue]')
  const key = (await (await page.waitForSelector('[data-test=key-value]')).textContent()).trim()
  await page.waitForSelector('[data-test=key-form]', { state: 'hidden' })
  expect(/^zk_[a-z2-7]{10}_[a-z2-7]{52}$/.test(key), `a key shown once: ${key}`)
  await shoot(page, { path: join(shots, 'api-key-shown.png') })
  await page.click('[data-test=key-done]')
  await page.waitForSelector('[data-test=keys] >> text=雪亮工程视频平台')
  await page.waitForSelector('[data-test=keys] >> text=公安')
  expect(!(await page.textContent('[data-test=keys]')).includes(key.slice(14)), 'the list never shows the secret')
  // The system checks its key.
  const who = await page.evaluate(async (k) => (await fetch('/api/v1/api-keys/whoami', { headers: { Authorization: `Bearer ${k}` } })).json(), key)
  expect(who.name === '雪亮工程视频平台' && who.channels.includes('video_alert'), `whoami: ${JSON.stringify(who)}`)
  // The platform posts a camera's alert: an event at the camera, its snapshot on the event page.
  const worker = await staffToken('grid-500114001001001')
  const spot = (await api(worker, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  await api(worker, 'POST', '/things', { kind: 'camera', code: 'XL-WALK-1', name: '正街路口视频点', lon: spot.lon, lat: spot.lat, coverage: 'road' })
  const alert = await page.evaluate(async ({ k, snapshot }) => {
    const r = await fetch('/api/v1/video-alerts', { method: 'POST', headers: { Authorization: `Bearer ${k}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ camera_code: 'XL-WALK-1', alert_type: 'street_vending', snapshot }) })
    return { status: r.status, body: await r.json() }
  }, { k: key, snapshot: photo.toString('base64') })
  expect(alert.status === 201 && alert.body.event_id, `a video alert raised: ${JSON.stringify(alert)}`)
  const centre = await open('district-operator')
  await centre.page.goto(`${base}/events/${alert.body.event_id}`)
  await centre.page.waitForSelector('text=视频预警')
  await centre.page.waitForSelector('[data-test=photo] img')
  await shoot(centre.page, { path: join(shots, 'event-from-video-alert.png') })
  await centre.context.close()
  const row = page.locator('[data-test=keys] tbody tr', { hasText: '雪亮工程视频平台' }).first()
  await row.locator('[data-test^=key-revoke-]').click()
  await page.click('.el-popconfirm .el-button--primary')
  await row.filter({ hasText: '已吊销' }).waitFor()
  expected4xx.push({ status: 403, path: '/api/v1/api-keys/whoami' })
  const refused = await page.evaluate(async (k) => (await fetch('/api/v1/api-keys/whoami', { headers: { Authorization: `Bearer ${k}` } })).status, key)
  expect(refused === 403, `a revoked key is refused: ${refused}`)
  expect(!(await page.isVisible('[data-test=key-open311]')), 'a video key is told nothing of Open311')
  // The city-management system's key speaks Open311: the address comes with the key, and the
  // system files a request there that the district's event list then holds.
  await page.click('[data-test=key-new]')
  await page.waitForSelector('[data-test=key-form]')
  await pick(page, '[data-test=key-unit]', '城市管理')
  await page.fill('[data-test=key-name] input, input[data-test=key-name]', '数字城管系统')
  await page.click('[data-test=key-channels] >> text=部门移交')
  await page.click('[data-test=key-reads] >> text=查询本系统上报的事件')
  await page.fill('[data-test=key-ends] input', end)
  await page.keyboard.press('Enter')
  await page.click('[data-test=key-form] .el-dialog__title')
  await page.click('[data-test=key-issue]')
  const cityKey = (await (await page.waitForSelector('[data-test=key-value]')).textContent()).trim()
  const address = (await page.textContent('[data-test=key-open311]'))
  expect(address.includes('/open311/v2/discovery.json'), `the Open311 address beside the key: ${address}`)
  await shoot(page, { path: join(shots, 'api-key-open311.png') })
  await page.click('[data-test=key-done]')
  const village = await staffToken('village-500114001001')
  const near = spot
  const filed = await page.evaluate(async ({ k, lon, lat }) => {
    const body = new URLSearchParams({ api_key: k, service_code: '0701', lat: String(lat), long: String(lon), description: '数字城管巡查上报：早市摊贩占道经营' })
    const r = await fetch('/open311/v2/requests.json', { method: 'POST', body })
    return { status: r.status, body: await r.json() }
  }, { k: cityKey, lon: near.lon, lat: near.lat })
  expect(filed.status === 201 && filed.body[0].service_request_id, `filed through Open311: ${JSON.stringify(filed)}`)
  await context.close()
  // The centre finds it among its events: a department referral, its system named by the key.
  const found = (await api(village, 'GET', `/events?q=${encodeURIComponent(filed.body[0].service_request_id)}&page_size=1`)).items[0]
  expect(found?.channel === 'department', `the request is an event: ${JSON.stringify(found)}`)
  const district = await open('district-operator')
  await district.page.goto(`${base}/events/${found.id}`)
  await district.page.waitForSelector('text=早市摊贩占道经营')
  await district.page.waitForSelector('text=部门移交')
  await shoot(district.page, { path: join(shots, 'event-from-open311.png') })
  await district.context.close()
})

await step('an administrator subscribes a station\'s system to signed deliveries, reads the log and replays one', async () => {
  // The station's system: a receiver on this machine (the server allows loopback here).
  const got = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => { got.push({ headers: req.headers, body }); res.statusCode = 204; res.end() })
  })
  await new Promise((done) => receiver.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${receiver.address().port}/hook`
  const { context, page } = await open('admin')
  await page.goto(`${base}/admin?tab=webhooks`)
  await page.click('[data-test=hook-new]')
  await page.waitForSelector('[data-test=hook-form]')
  expect(await page.isDisabled('[data-test=hook-save]'), 'nothing chosen for them')
  await pick(page, '[data-test=hook-unit]', '文汇社区综治站')
  await page.fill('[data-test=hook-url] input, input[data-test=hook-url]', url)
  await page.click('[data-test=hook-types] >> text=新上报')
  await page.click('[data-test=hook-save]')
  const secret = (await (await page.waitForSelector('[data-test=hook-secret-value]')).textContent()).trim()
  expect(/^whsec_[A-Za-z0-9+/=]{40,}$/.test(secret), `a secret shown once: ${secret}`)
  await shoot(page, { path: join(shots, 'webhook-secret.png') })
  await page.click('[data-test=hook-secret-done]')
  await page.waitForSelector('[data-test=hooks] >> text=文汇社区综治站')
  expect(!(await page.textContent('[data-test=hooks]')).includes(secret.slice(6)), 'the list never shows the secret')
  // A report in the station's village: delivered, signed with the secret.
  const worker = await staffToken('grid-500114001001001')
  const spot = (await api(worker, 'GET', '/events?region=500114001001001&page_size=1')).items[0]
  const made = await api(worker, 'POST', '/events', { channel: 'grid_patrol', category: '0602', description: '路灯不亮（推送测试）', location: { lon: spot.lon, lat: spot.lat } })
  for (let i = 0; i < 100 && !got.length; i++) await page.waitForTimeout(100)
  expect(got.length === 1 && JSON.parse(got[0].body).data.event_id === made.id, `delivered: ${JSON.stringify(got)}`)
  const { createHmac } = await import('node:crypto')
  const h = got[0].headers
  const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${got[0].body}`).digest('base64')
  expect(h['webhook-signature'].split(' ').includes(`v1,${mac}`), `signed: ${h['webhook-signature']}`)
  // The log shows it delivered; replayed, the same message comes again.
  const row = page.locator('[data-test=hooks] tbody tr', { hasText: '文汇社区综治站' }).first()
  await row.locator('[data-test^=hook-log-]').click()
  await page.waitForSelector('[data-test=hook-log] >> text=已送达')
  await page.waitForTimeout(500) // the drawer slides in
  await shoot(page, { path: join(shots, 'webhook-log.png') })
  await page.locator('[data-test=hook-log] [data-test^=hook-replay-]').first().click()
  for (let i = 0; i < 100 && got.length < 2; i++) await page.waitForTimeout(100)
  expect(got.length === 2 && got[1].headers['webhook-id'] === h['webhook-id'], `replayed: ${got.length}`)
  // The log filtered to what failed: nothing has.
  await pick(page, '[data-test=hook-log-state]', '已失败')
  await page.waitForSelector('[data-test=hook-log] >> text=尚无推送')
  await context.close()
  receiver.close()
})

await commander?.context.close()
await browser.close()
for (const p of problems) console.log(`PROBLEM ${p}`)
if (failed || problems.length) {
  console.log(`${failed} failed, ${problems.length} problems`)
  process.exit(1)
}
console.log('all browser tests passed')
