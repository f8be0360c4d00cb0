/**
 * Chinese names of the monitoring threshold keys (policies/monitoring/default.json) and of their units, for the 规则
 * pages: a person reads 普通处方提醒天数, never rxDaysOrdinaryWarn.
 */
export const THRESHOLD_LABEL: Record<string, string> = {
  minPeerSize: '同组最少机构数',
  minVolume: '参与排名最少人次',
  peerPercentile: '同组百分位',
  robustZ: '稳健 z 值',
  growthMom: '费用增长幅度',
  growthMinVisitsPrev: '基线月份最少人次',
  rxDaysOrdinaryWarn: '普通处方提醒天数',
  rxDaysOrdinaryMax: '普通处方最长天数',
  rxDaysChronicWarn: '慢病处方提醒天数',
  rxDaysChronicMax: '慢病处方最长天数',
  rxOverlapDays: '供药期重叠天数',
  rxOverlapLookbackDays: '重复开药回看天数',
  splitVisitMin: '同日结算次数',
  twoPlacesMinutes: '异地结算间隔分钟',
  doctorDayMax: '医师日接诊上限',
  coVisitMinDays: '结伴就医同日天数',
  checkupMinLines: '体检式检查项数',
  payDiffToleranceFen: '支付差额容差',
  topFundPercentile: '基金使用百分位',
  topFundMinFundFen: '年度统筹支付下限',
  topFundLogZ: '对数稳健 z 值',
  topFundMinRatio: '费用为中位数倍数',
  growthRobustZ: '增长稳健 z 值',
  growthMinVisits: '当月最少人次',
  growthMinT: '增长 t 检验值',
  growthBaselineMonths: '基线月数',
  rxMinCount: '医师当月最少处方数',
  ratioMinVolume: '比例类指标最少人次',
  rxAmountMinPercentile: '处方金额百分位',
  rxMinRatio: '处方量为中位数倍数',
  rxColleagueRatio: '处方量为同机构平均倍数',
  selfpayMinRatio: '自费比例为中位数倍数',
  examMinRatio: '检查占比为中位数倍数',
  budgetUse: '总额预算使用率',
  cashOutMinPurchases: '同药当月购药次数',
  cashOutMinAmountFen: '每次购药金额下限',
};

export const THRESHOLD_UNIT_LABEL: Record<string, string> = {
  institutions: '家',
  visits: '人次',
  percent_rank: '百分位',
  'MAD z': '',
  'log MAD z': '',
  ratio: '比例',
  days: '天',
  'settlements/day': '次/日',
  minutes: '分钟',
  'visits/day': '人次/日',
  'days/quarter': '天/季度',
  lines: '项',
  fen: '分',
  'purchases/month': '次/月',
  'Welch t': '',
  months: '个月',
  'prescriptions/month': '张/月',
  '× peer median': '倍中位数',
  "× colleagues' average": '倍同事平均',
};

export const THRESHOLD_SOURCE_LABEL: Record<string, string> = { default: '全国默认', override: '地区文件', version: '调整版本' };

export const RULE_WINDOW_LABEL: Record<string, string> = { visit: '单次就诊', hour: '小时', day: '日', month: '月', quarter: '季度', year: '年度', '90 days': '90 天' };

export const thresholdLabel = (key: string) => THRESHOLD_LABEL[key] ?? key;
export const unitLabel = (unit: string) => THRESHOLD_UNIT_LABEL[unit] ?? unit;
