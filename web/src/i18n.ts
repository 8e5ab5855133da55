// zh-CN first, English second. A small reactive dictionary: the UI has a few hundred words,
// not enough to carry an i18n framework.
import { ref } from 'vue'

export type Lang = 'zh' | 'en'
export const lang = ref<Lang>((localStorage.getItem('zhili.lang') as Lang) || 'zh')

export function setLang(l: Lang) {
  lang.value = l
  localStorage.setItem('zhili.lang', l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
}

const words: Record<string, [string, string]> = {
  appTitle: ['黔江区社会治理指挥中心', 'Qianjiang Social Governance Command Centre'],
  login: ['登录', 'Sign in'],
  logout: ['退出', 'Sign out'],
  username: ['账号', 'Account'],
  password: ['密码', 'Password'],
  loginFailed: ['账号或密码错误', 'Wrong account or password'],
  todayIntake: ['今日受理', "Today's intake"],
  open: ['在办', 'Open'],
  overdue: ['超期', 'Overdue'],
  closureRate: ['结案率', 'Closure rate'],
  onTimeRate: ['按期结案率', 'On-time closure'],
  satisfaction: ['满意率', 'Satisfaction'],
  liveFeed: ['实时动态', 'Live feed'],
  towns: ['镇街排名', 'Towns'],
  departments: ['部门排名', 'Departments'],
  inbox: ['事件办理', 'Events'],
  commandCentre: ['指挥中心', 'Command centre'],
  map3d: ['三维', '3D'],
  layers: ['图层', 'Layers'],
  status: ['状态', 'Status'],
  category: ['类别', 'Category'],
  channel: ['来源', 'Channel'],
  search: ['搜索', 'Search'],
  caseNumber: ['事件编号', 'Case number'],
  reportedAt: ['上报时间', 'Reported'],
  dueAt: ['办理时限', 'Due'],
  area: ['所属网格', 'Grid'],
  timeline: ['办理过程', 'Timeline'],
  steps: ['时限节点', 'Steps'],
  onTime: ['按期', 'On time'],
  late: ['超时', 'Late'],
  actions: ['可办理操作', 'Actions'],
  noActions: ['当前无可办理操作', 'Nothing for you to do now'],
  opinion: ['意见', 'Opinion'],
  submit: ['提交', 'Submit'],
  report: ['上报事件', 'Report an event'],
  myTasks: ['我的待办', 'My tasks'],
  description: ['事件描述', 'Description'],
  photo: ['现场照片', 'Photo'],
  position: ['位置', 'Position'],
  useGps: ['使用当前位置', 'Use my position'],
  tapMap: ['或在地图上点选', 'or tap the map'],
  reported: ['已上报', 'Reported'],
  offlineSaved: ['网络不可用，已存为草稿，恢复后自动发送', 'Offline: saved as a draft, sent when the connection returns'],
  drafts: ['待发送草稿', 'Drafts waiting'],
  readOnly: ['只读', 'Read-only'],
  all: ['全部', 'All'],
  onlyOverdue: ['仅超期', 'Overdue only'],
  total: ['总数', 'Total'],
  back: ['返回', 'Back'],
  admin: ['系统管理', 'Administration'],
  categories: ['事件类别与办理时限', 'Event categories and time limits'],
  categoriesHint: ['修改后生成新版本；已在办理的事件仍按受理时的时限计算。', 'An edit makes a new version; running cases keep the limits they were given.'],
  acceptHours: ['受理时限(工作小时)', 'Register within (working h)'],
  handleHours: ['办理时限(工作小时)', 'Handle within (working h)'],
  lead: ['牵头', 'Lead'],
  urgent: ['紧急', 'Urgent'],
  save: ['保存', 'Save'],
  saved: ['已保存', 'Saved'],
}

export function t(key: string): string {
  const w = words[key]
  if (!w) return key
  return lang.value === 'zh' ? w[0] : w[1]
}

const statuses: Record<string, [string, string]> = {
  reported: ['待受理', 'Reported'],
  registered: ['已受理', 'Registered'],
  rejected: ['不予受理', 'Rejected'],
  merged: ['已合并', 'Merged'],
  dispatched: ['已派遣', 'Dispatched'],
  accepted: ['处置中', 'Accepted'],
  handled: ['已处置', 'Handled'],
  verified: ['已核查', 'Verified'],
  closed: ['已结案', 'Closed'],
  evaluated: ['已评价', 'Evaluated'],
  deferred: ['挂账', 'Deferred'],
}

const actionNames: Record<string, [string, string]> = {
  register: ['受理', 'Register'],
  reject: ['不予受理', 'Reject'],
  merge: ['合并', 'Merge'],
  dispatch: ['派遣', 'Dispatch'],
  accept: ['签收', 'Accept'],
  return: ['退回', 'Return'],
  handle: ['处置反馈', 'Handle'],
  verify: ['核查', 'Verify'],
  close: ['结案', 'Close'],
  evaluate: ['评价', 'Rate'],
  escalate: ['上报上级', 'Escalate'],
  supervise: ['督办', 'Supervise'],
  request_extension: ['申请延期', 'Request extension'],
  approve_extension: ['审批延期', 'Approve extension'],
  defer: ['挂账', 'Defer'],
  resume: ['恢复办理', 'Resume'],
  reopen: ['重新办理', 'Reopen'],
  report: ['上报', 'Report'],
}

/** A server time (RFC 3339) as the district reads it: Beijing time, 24-hour clock. */
export function when(s: string | null | undefined, withSeconds = false): string {
  if (!s) return '—'
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) return s
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: withSeconds ? '2-digit' : undefined, hour12: false,
  }).formatToParts(d)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const time = `${get('hour')}:${get('minute')}${withSeconds ? `:${get('second')}` : ''}`
  return `${get('year')}-${get('month')}-${get('day')} ${time}`
}

export function statusName(s: string): string {
  const w = statuses[s]
  return w ? (lang.value === 'zh' ? w[0] : w[1]) : s
}

export function actionName(a: string): string {
  const w = actionNames[a]
  return w ? (lang.value === 'zh' ? w[0] : w[1]) : a
}
