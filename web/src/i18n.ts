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
  chooseAction: ['请先选择要办理的操作', 'Choose what to do first'],
  calendarMissing: ['{year}年法定节假日和调休安排尚未录入：跨入{year}年的办理时限暂按每个工作日计算，标为“暂定”，录入后将变化。请在“工作日历”中录入。', 'The {year} official schedule is not entered: deadlines running into {year} count every weekday and are marked provisional. Enter it under Calendar.'],
  provisional: ['暂定', 'provisional'],
  provisionalHint: ['时限跨入尚未录入节假日安排的年份，录入后可能变化', 'The deadline runs into a year whose schedule is not entered; it may move'],
  noRulesYet: ['尚无派遣规则：未配置规则时，事件派往其类别的牵头部门（属地类派往所属综治中心）。点击“添加规则”可按类别和区域指定主办、协办单位。', 'No dispatch rules yet: events go to their category\'s lead department (属地: the owning centre). Add a rule to name the lead and assisting units by category and area.'],
  photosBefore: ['上报照片（处置前）', 'Reported (before)'],
  photosAfter: ['处置照片（处置后）', 'Handled (after)'],
  photosOf: ['照片', ' photos'],
  matterClass: ['三事分流', 'Matter class'],
  classHint: ['大事派部门、小事村社办、私事引导当事人自行解决；改变类别须在意见中说明理由', 'Major to departments, minor to the village, private matters guided; a change needs a reason'],
  classNeedsReason: ['改变事件类别请在意见中说明理由', 'Give the reason for the new class'],
  chooseKeyGroup: ['选择重点人群类别', 'Choose a key group'],
  visitTime: ['走访时间（默认现在）', 'When (default now)'],
  phoneHome: ['待办与上报', 'To do & report'],
  needCategory: ['请选择事件类别', 'Choose a category'],
  needPosition: ['请定位或在地图上点选位置', 'Locate or tap the map'],
  noGps: ['无法获取当前位置，请在地图上点选', 'No position; tap the map'],
  outsideGrid: ['当前位置不在您负责的网格内', 'You are outside your grid'],
  toVerify: ['待核查', 'To verify'],
  gridOpen: ['本网格在办事件', 'Open in my grid'],
  addPhoto: ['添加现场照片', 'Add a photo'],
  photosAdded: ['已添加{n}张照片', '{n} photo(s) added'],
  waitingForMe: ['待我办理', 'Waiting for me'],
  nothingWaiting: ['暂无待办事件', 'Nothing waits for you'],
  noEvents: ['没有符合条件的事件', 'No events match'],
  timeLeft: ['剩余时间', 'Time left'],
  supervised: ['督办', 'Supervised'],
  handlingUnit: ['办理单位', 'Handling unit'],
  searchCase: ['事件编号或描述', 'Case number or text'],
  leadUnit: ['主办单位', 'Lead unit'],
  assistingUnits: ['协办单位（可多选）', 'Assisting units'],
  superviseLevel: ['督办级别', 'Supervision level'],
  extensionHours: ['延期时长（工作小时）', 'Extension (working hours)'],
  mergeInto: ['并入事件（编号ID）', 'Merge into (event id)'],
  verifyResult: ['核查结果', 'Verification'],
  passed: ['通过', 'Passed'],
  notPassed: ['不通过', 'Not passed'],
  decision: ['审批意见', 'Decision'],
  approve: ['同意', 'Approve'],
  refuse: ['不同意', 'Refuse'],
  residentConfirmed: ['当事人是否确认', 'Resident confirmed'],
  yes: ['是', 'Yes'],
  no: ['否', 'No'],
  rating: ['满意度评价', 'Rating'],
  dispatchConfirm: ['确认派遣', 'Confirm dispatch'],
  dispatchTo: ['派遣至', 'Dispatch to'],
  assisted: ['协办', 'assisted by'],
  confirm: ['确定', 'Confirm'],
  actionDone: ['已办理', 'Done'],
  needsChoice: ['请选择', 'Please choose'],
  needsOpinion: ['请填写意见', 'Please write an opinion'],
  needsRating: ['请选择满意度', 'Please rate'],
  superviseLevels: ['一般督办,重点督办,挂牌督办', 'Normal,Priority,Listed'],
  loading: ['加载中…', 'Loading…'],
  loadFailed: ['加载失败', 'Could not load'],
  retry: ['重试', 'Retry'],
  admin: ['系统管理', 'Administration'],
  categories: ['事件类别与办理时限', 'Event categories and time limits'],
  categoriesHint: ['修改后生成新版本；已在办理的事件仍按受理时的时限计算。', 'An edit makes a new version; running cases keep the limits they were given.'],
  lead: ['牵头', 'Lead'],
  urgent: ['紧急', 'Urgent'],
  save: ['保存', 'Save'],
  departmentUnit: ['部门', 'Department'],
  findAccount: ['查找账号或姓名', 'Find an account or name'],
  allRoles: ['全部角色', 'All roles'],
  workPhone: ['工作电话', 'Work phone'],
  lastSignIn: ['最近登录', 'Last sign-in'],
  never: ['从未登录', 'Never'],
  accountState: ['状态', 'State'],
  stopped: ['已停用', 'Stopped'],
  lockedUntil: ['锁定至', 'Locked until'],
  active: ['正常', 'Active'],
  operations: ['操作', 'Actions'],
  edit: ['编辑', 'Edit'],
  accountStarted: ['已启用', 'Started'],
  startAccount: ['启用', 'Start'],
  stopAccount: ['停用', 'Stop'],
  stopAccountAsk: ['停用后 {name} 将立即退出登录且不能再登录，直到重新启用。确定停用？', '{name} will be signed out at once and cannot sign in until started again. Stop the account?'],
  accountStopped: ['已停用', 'Stopped'],
  unlock: ['解除锁定', 'Unlock'],
  unlocked: ['已解除锁定', 'Unlocked'],
  passwordReset: ['密码已重置，该账号需重新登录', 'Password reset; the account must sign in again'],
  usernameHint: ['字母、数字、- _ .，2–64位', 'Letters, digits, - _ ., 2–64'],
  choose: ['请选择', 'Choose'],
  chooseRegion: ['从区域树中选择', 'Choose from the region tree'],
  chooseRegionFirst: ['请先选择区域', 'Choose a region first'],
  stillMissing: ['尚未填写：', 'Still missing: '],
  passwordHint: ['至少8位', 'At least 8 characters'],
  currentPhone: ['现为', 'Now'],
  removePhone: ['删除电话', 'Remove the phone'],
  resetHint: ['重置后该账号的所有登录立即失效，锁定一并解除。', 'Every session of the account ends and any lock is lifted.'],
  saved: ['已保存', 'Saved'],
  noData: ['暂无数据', 'No data'],
  urgency: ['紧急程度', 'Urgency'],
  acceptLimit: ['受理时限', 'Register within'],
  handleLimit: ['办理时限', 'Handle within'],
  workingDays: ['工作日', 'working days'],
  workingHoursUnit: ['工作小时', 'working hours'],
  clockHours: ['小时（自然时间）', 'hours (clock time)'],
  locality: ['属地', 'Locality'],
  version: ['版本', 'Version'],
  versionN: ['第{n}版', 'v{n}'],
  findCategory: ['查找类别', 'Find a category'],
  unsavedChanges: ['{n} 项修改未保存', '{n} unsaved changes'],
  undoChanges: ['撤销修改', 'Undo changes'],
  saveChanges: ['保存修改', 'Save changes'],
  limitsSaved: ['已保存，{n} 个类别生成新版本', 'Saved: {n} categories at a new version'],
  residents: ['实有人口', 'Residents'],
  camerasOffline: ['摄像头离线', 'Cameras offline'],
  whoToCall: ['联系人', 'Who to call'],
  noContacts: ['暂无登记的网格员', 'No grid worker on record'],
  gridWorker: ['网格员', 'Grid worker'],
  stationLead: ['网格长 · 村社综治站', 'Grid leader · village station'],
  gridAtGlance: ['人事地物情', 'People, events, places, things, situations'],
  recentSituations: ['最近社情民意', 'Recent situation notes'],
  acceptMany: ['批量签收', 'Take up'],
  acceptManyAsk: ['签收所选的 {n} 件事件？签收后开始计算办理时限。', 'Take up the {n} selected events? Their handling time starts.'],
  acceptedN: ['已签收 {n} 件', '{n} taken up'],
  refusedN: ['{n} 件未能签收：{why}', '{n} could not be taken up: {why}'],
  selectedN: ['已选 {n} 件', '{n} selected'],
  selectHint: ['勾选事件可批量签收、导出或打印工单', 'Tick events to take up, export or print their work orders'],
  exportOrders: ['导出工单', 'Export work orders'],
  printOrders: ['打印工单', 'Print work orders'],
  print: ['打印', 'Print'],
  workOrdersReady: ['共 {n} 张工单', '{n} work orders'],
  noWorkOrders: ['没有可打印的工单', 'No work orders to print'],
  workOrderTitle: ['社会治理事件工单', 'Work order'],
  printedAt: ['打印时间', 'Printed'],
  place: ['地点', 'Place'],
  reporter: ['反映人', 'Reporter'],
  signTakeUp: ['签收人', 'Taken up by'],
  signDate: ['日期', 'Date'],
  signResult: ['处置结果', 'Result'],
  signHandler: ['处置人', 'Handled by'],
  signVerifier: ['核查人', 'Verified by'],
  legendOpen: ['网格未办结事件数', 'Open events per grid'],
  legendEvents: ['事件', 'Events'],
  legendOnTime: ['正常', 'On time'],
  legendNearDue: ['临期', 'Near due'],
  legendOverdue: ['超期', 'Overdue'],
  legendCluster: ['聚合（点击放大）', 'Cluster (click to zoom)'],
  layer_cameras: ['摄像头', 'Cameras'],
  layer_orgs: ['单位场所', 'Organisations'],
  layer_components: ['城市部件', 'Components'],
  layer_houses: ['房屋', 'Houses'],
  legendOnline: ['在线', 'Online'],
  legendOffline: ['离线', 'Offline'],
  legendHazchem: ['危化品', 'Hazardous chemicals'],
  legendSchool: ['学校', 'School'],
  legendHospital: ['医疗', 'Hospital'],
  legendLogistics: ['寄递物流', 'Logistics'],
  legendOtherOrg: ['其他', 'Other'],
  legendIntact: ['完好', 'Intact'],
  legendNeedsRepair: ['损坏/丢失/占用', 'Damaged, lost or occupied'],
  legendHouse: ['住房', 'House'],
  legendRented: ['出租', 'Rented'],
  legendHazard: ['有隐患', 'Hazard'],
  gridsInFile: ['文件中的网格', 'Grids in the file'],
  villagesInFile: ['涉及村社', 'Villages'],
  createdUpdated: ['新增 / 变更', 'Created / updated'],
  unchangedRetired: ['未变 / 停用', 'Unchanged / retired'],
  gridCode: ['网格编码', 'Grid code'],
  privateMatterHint: ['私事：引导当事人通过协商、人民调解、行政裁决或诉讼等途径自行解决，告知其办理渠道；当事人确认已解决（或知晓途径）后结案。', 'A private matter: guide the resident to settle it themselves (negotiation, mediation, adjudication, court) and tell them where; close once they confirm.'],
  privateGuidance: ['已告知当事人：本事项属个人私事，可通过双方协商、向村（居）人民调解委员会申请调解、向有关部门申请处理或依法向人民法院起诉等途径解决，并提供了相关联系方式。', 'The resident was told this is a private matter and how to settle it: by agreement, through the village mediation committee, the competent department or the court; contacts given.'],
  useGuidance: ['填入引导话术', 'Use the guidance text'],
  feedQuiet: ['暂无动态，新上报和办理进展将实时出现在这里', 'Nothing yet: new reports and steps appear here as they happen'],
  onlyArea: ['只看：', 'Only: '],
  floatingPeople: ['流动人口', 'Migrants'],
  aboutDays: ['约 {n} 个工作日', 'about {n} working days'],
  workingDayIs: ['1 个工作日按 {h} 个工作小时计。', 'A working day counts {h} working hours.'],
  calendarMoved: ['已保存；{n} 件在办事项的办理期限随之调整，调整记录在各事件的流转记录中', 'Saved; the deadlines of {n} running cases moved, each recorded on its case'],
  trend: ['近30日事件趋势', 'Events, last 30 days'],
  closedPerDay: ['结案', 'Closed'],
  others: ['其他', 'Other'],
  gridDetails: ['网格详情', 'Grid'],
  openEvents: ['在办事件', 'Open events'],
  allEvents: ['全部事件', 'All events'],
  noOpenEvents: ['暂无在办事件', 'No open events'],
  town: ['镇街', 'Town'],
  dispatchRules: ['派遣规则', 'Dispatch rules'],
  dispatchRulesHint: ['按顺序匹配，第一条命中的规则决定牵头单位；保存即替换全部规则，在办事件不受影响。', 'Matched in order; the first match names the lead. Saving replaces all rules; running cases are not moved.'],
  categoryPrefix: ['类别前缀', 'Category prefix'],
  region: ['区域', 'Region'],
  assisting: ['协办单位', 'Assisting'],
  addRule: ['添加规则', 'Add rule'],
  remove: ['删除', 'Remove'],
  moveUp: ['上移', 'Up'],
  calendar: ['节假日与工作时间', 'Holidays and working hours'],
  calendarHint: ['法定节假日不计入工作时限；调休上班日按工作日计。', 'Public holidays do not count towards working-hour limits; make-up workdays do.'],
  workingHours: ['工作时间', 'Working hours'],
  date: ['日期', 'Date'],
  kind: ['类型', 'Kind'],
  name: ['名称', 'Name'],
  holiday: ['节假日', 'Holiday'],
  workday: ['调休上班', 'Make-up workday'],
  addDay: ['添加日期', 'Add a day'],
  year: ['年份', 'Year'],
  users: ['用户管理', 'Users'],
  role: ['角色', 'Role'],
  unit: ['单位', 'Unit'],
  displayName: ['姓名', 'Name'],
  locked: ['已锁定', 'Locked'],
  addUser: ['新增用户', 'Add user'],
  resetPassword: ['重置密码', 'Reset password'],
  newPassword: ['新密码(至少8位)', 'New password (8+ characters)'],
  created: ['已创建', 'Created'],
  units: ['单位', 'Units'],
  gridImport: ['网格导入', 'Grid import'],
  gridImportHint: ['上传网格边界 GeoJSON（每个要素的 properties 含 properties.code 网格编码、properties.name 名称、properties.kind 类型）。先校验：有任何问题则一条都不写入。', 'Upload a GeoJSON of grid boundaries (code, name, kind per feature). It is checked first: with any problem nothing is written.'],
  chooseFile: ['选择文件', 'Choose a file'],
  validate: ['校验', 'Validate'],
  import: ['导入', 'Import'],
  problems: ['问题', 'Problems'],
  noProblems: ['校验通过', 'No problems'],
  feature: ['要素', 'Feature'],
  reason: ['原因', 'Reason'],
  summary: ['结果', 'Result'],
  cancel: ['取消', 'Cancel'],
  kindDepartment: ['职能部门', 'Departments'],
  kindCentre: ['综治中心', 'Centres'],
  kindStation: ['综治站', 'Stations'],
  people: ['人口管理', 'People'],
  situations: ['社情民意', 'Situations'],
  importSheet: ['导入', 'Import'],
  exportList: ['导出', 'Export'],
  importOrgs: ['导入单位场所', 'Import organisations'],
  importThings: ['导入部件与摄像头', 'Import components and cameras'],
  importHouses: ['导入房屋', 'Import houses'],
  houses: ['房屋', 'Houses'],
  registerHouse: ['登记房屋', 'Register a house'],
  houseOptional: ['选择所住房屋（可不选）', 'The house they live in (optional)'],
  houseCode: ['房屋编码', 'House code'],
  usage: ['用途', 'Use'],
  rented: ['出租', 'Rented'],
  hazards: ['隐患', 'Hazards'],
  occupants: ['居住人数', 'Occupants'],
  componentCode: ['部件编码', 'Component code'],
  cameraCode: ['设备编码', 'Camera code'],
  stage_reading: ['读取文件', 'Reading the file'],
  stage_checking: ['逐行校验', 'Checking rows'],
  stage_looking_up: ['核对是否已登记', 'Looking for registered ones'],
  stage_writing: ['写入', 'Writing'],
  stage_done: ['完成', 'Done'],
  situationSearch: ['标题或内容', 'Title or text'],
  situationKind: ['信息类别', 'Kind'],
  sensitivity: ['密级', 'Sensitivity'],
  tag: ['标签', 'Tag'],
  tags: ['标签', 'Tags'],
  newSituation: ['记录社情民意', 'Record a situation'],
  title: ['标题', 'Title'],
  content: ['内容', 'Text'],
  author: ['记录人', 'Recorded by'],
  recordedAt: ['记录时间', 'Recorded'],
  concerns: ['涉及', 'Concerns'],
  readIsLogged: ['敏感信息：每次查阅均记入操作留痕。', 'Sensitive: every reading is recorded.'],
  personSearch: ['输入姓名或证件号码查找人员', 'Find a person by name or ID number'],
  relatedEvents: ['相关事件', 'Events'],
  relatedSituations: ['相关社情民意', 'Situations'],
  register: ['登记', 'Register'],
  registerPerson: ['登记人员', 'Register a person'],
  idType: ['证件类型', 'Document'],
  idNumber: ['证件号码', 'ID number'],
  phone: ['联系电话', 'Phone'],
  grid: ['网格', 'Grid'],
  populationType: ['人口类型', 'Population type'],
  keyGroups: ['重点人群', 'Key groups'],
  keyGroup: ['重点人群类别', 'Key group'],
  riskLevel: ['风险等级', 'Risk level'],
  visits: ['走访记录', 'Visits'],
  recordVisit: ['记录走访', 'Record a visit'],
  visitPlace: ['走访地点', 'Place'],
  findings: ['走访情况', 'Findings'],
  dueVisits: ['走访预警', 'Visits due'],
  nextVisit: ['下次走访', 'Next visit'],
  daysOverdue: ['超期天数', 'Days overdue'],
  reveal: ['查看完整信息', 'Show full identifiers'],
  revealReason: ['查看原因（将被记录）', 'Why (this is recorded)'],
  addKeyGroup: ['列入重点人群', 'Add to a key group'],
  importPeople: ['批量导入', 'Import'],
  exportPeople: ['导出', 'Export'],
  template: ['下载模板', 'Template'],
  importAll: ['全部导入', 'Import all'],
  importValid: ['仅导入正确行', 'Import the valid rows'],
  rejectedRows: ['下载问题行', 'Download rejected rows'],
  row: ['行', 'Row'],
  column: ['列', 'Column'],
  rowsChecked: ['行已校验', 'rows checked'],
  valid: ['正确', 'valid'],
  written: ['已导入', 'imported'],
  house: ['房屋', 'House'],
  address: ['地址', 'Address'],
  sex: ['性别', 'Sex'],
  birthDate: ['出生日期', 'Born'],
  ageBand: ['年龄段', 'Age'],
  none: ['无', 'None'],
  overdueVisits: ['走访超期', 'Visits overdue'],
  openEvent: ['生成事件', 'Open an event'],
  things: ['部件与视频', 'Components and cameras'],
  components: ['城市部件', 'City components'],
  cameras: ['视频监控', 'Cameras'],
  coverage: ['覆盖类型', 'Coverage'],
  lastSeen: ['最后在线', 'Last seen'],
  uptime: ['在线率', 'Uptime'],
  target: ['目标', 'target'],
  orgs: ['单位场所', 'Organisations and sites'],
  creditCode: ['统一社会信用代码', 'Credit code'],
  contact: ['负责人', 'Contact'],
  staff: ['人数', 'Staff'],
}

/** A word in the current language; `{name}` placeholders are filled from `vars`. */
export function t(key: string, vars?: Record<string, string | number>): string {
  const w = words[key]
  if (!w) return key
  const text = lang.value === 'zh' ? w[0] : w[1]
  return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text
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
  due_moved: ['期限调整', 'Deadline moved'],
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

const channels: Record<string, [string, string]> = {
  grid_patrol: ['网格巡查', 'Grid patrol'],
  resident: ['群众上报', 'Resident'],
  hotline: ['12345热线', 'Hotline'],
  video_alert: ['视频预警', 'Video alert'],
  department: ['部门移交', 'Department'],
  walk_in: ['来访', 'Walk-in'],
}

const steps: Record<string, [string, string]> = {
  register: ['受理', 'Register'],
  dispatch: ['派遣', 'Dispatch'],
  take_up: ['签收', 'Take up'],
  handle: ['处置', 'Handle'],
  verify: ['核查', 'Verify'],
  close: ['结案', 'Close'],
}

const roles: Record<string, [string, string]> = {
  admin: ['系统管理员', 'Administrator'],
  district_commander: ['区综治中心指挥长', 'District commander'],
  district_operator: ['区综治中心受理员', 'District operator'],
  town_operator: ['镇街综治中心受理员', 'Town operator'],
  village_operator: ['村社综治站受理员', 'Village operator'],
  grid_worker: ['网格员', 'Grid worker'],
  department_handler: ['部门处置员', 'Department handler'],
  leader: ['领导', 'Leader'],
}

function pick(table: Record<string, [string, string]>, key: string): string {
  const w = table[key]
  return w ? (lang.value === 'zh' ? w[0] : w[1]) : key
}

const matterClasses: Record<string, [string, string]> = {
  大事: ['大事', 'Major'],
  小事: ['小事', 'Minor'],
  私事: ['私事', 'Private'],
}

export const matterClassName = (c: string) => pick(matterClasses, c)

// The major classes of the event taxonomy by their two-digit code: the data is Chinese, the
// English mode names them too.
const majorClasses: Record<string, [string, string]> = {
  '01': ['矛盾纠纷', 'Disputes'], '02': ['治安隐患', 'Public security'], '03': ['安全生产', 'Work safety'],
  '04': ['消防安全', 'Fire safety'], '05': ['生态环境', 'Environment'], '06': ['市政设施', 'Municipal facilities'],
  '07': ['城市管理', 'City management'], '08': ['民生服务', 'Public services'], '09': ['特殊人群', 'Special groups'],
  '10': ['信访诉求', 'Petitions'], '11': ['校园周边与护路护线', 'Schools, roads and lines'],
  '12': ['自然灾害与突发事件', 'Disasters and emergencies'], '13': ['意见建议', 'Suggestions'],
}
/** A major class's name in the current language (the server's name when the code is new). */
export const majorClassName = (code: string, name: string) => (majorClasses[code] ? pick(majorClasses, code) : name)
export const channelName = (c: string) => pick(channels, c)
export const stepName = (s: string) => pick(steps, s)
export const roleName = (r: string) => pick(roles, r)
export const roleKeys = Object.keys(roles)

export function actionName(a: string): string {
  const w = actionNames[a]
  return w ? (lang.value === 'zh' ? w[0] : w[1]) : a
}

// What a refusal means, by the server's stable code, for answers written only in English.
const refusals: Record<string, [string, string]> = {
  invalid_parameter: ['填写的内容不符合要求', 'A value is not valid'],
  missing_field: ['有必填项未填写', 'A required field is missing'],
  invalid_json: ['提交的内容格式有误', 'The request is malformed'],
  unknown_field: ['提交了无法识别的内容', 'The request has an unknown field'],
  payload_too_large: ['文件或内容过大', 'Too large'],
  unauthenticated: ['登录已失效，请重新登录', 'Please sign in again'],
  invalid_credentials: ['账号或密码错误', 'Wrong account or password'],
  account_locked: ['账号已暂时锁定，请稍后再试', 'The account is locked for a while'],
  forbidden: ['无权进行此操作', 'Not allowed'],
  not_found: ['找不到该对象，或不在您的辖区内', 'Not found'],
  outside_coverage: ['位置不在您负责的网格内', 'Outside the grids you cover'],
  conflict: ['与已有数据冲突', 'Conflicts with existing data'],
  invalid_transition: ['事件状态已变化或当前不能进行此操作，请刷新后重试', 'Not possible in the event’s state; reload'],
  unsupported_media_type: ['不支持的文件类型', 'Unsupported file type'],
  invalid_image: ['照片已损坏或无法识别', 'The photo is broken'],
  invalid_id_number: ['证件号码有误', 'The ID number is not valid'],
  invalid_rows: ['表格中有错误的行', 'The sheet has bad rows'],
  invalid_geometry: ['边界文件有错误', 'The boundary file has problems'],
  rate_limited: ['操作过于频繁，请稍后再试', 'Too many requests; try later'],
  busy: ['服务器繁忙，请稍后再试', 'The server is busy; try again shortly'],
  internal: ['服务器出错，请稍后再试', 'The server failed; try again'],
}

/** A refusal in the UI's language: the server's own Chinese when it wrote one, else what
 *  the code means. */
export function refusalText(code: string, message: string, messageZh: string | null): string {
  if (lang.value === 'en') return message
  if (messageZh) return messageZh
  const w = refusals[code]
  return w ? w[0] : message
}

/** Time to a step's deadline as a traffic light reads it: what is left, or how long overdue. */
export function remaining(due: string | null | undefined, now: number): string {
  if (!due) return '—'
  const ms = new Date(due).getTime() - now
  if (Number.isNaN(ms)) return '—'
  const minutes = Math.floor(Math.abs(ms) / 60000)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const zh = lang.value === 'zh'
  const span = days > 0
    ? (zh ? `${days}天${hours}小时` : `${days} d ${hours} h`)
    : hours > 0 ? (zh ? `${hours}小时${minutes % 60}分` : `${hours} h ${minutes % 60} min`) : (zh ? `${minutes}分钟` : `${minutes} min`)
  if (ms < 0) return zh ? `超期${span}` : `overdue ${span}`
  return zh ? `剩${span}` : `${span} left`
}
