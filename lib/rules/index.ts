/** Every rule, in the order they run. One file per rule; add new rules here. */
import { budget } from './budget';
import { cashOut } from './cash-out';
import { checkup } from './checkup';
import { coVisit } from './co-visit';
import { drDayLoad } from './dr-day-load';
import { exclArrears } from './excl-arrears';
import { exclInpatient } from './excl-inpatient';
import { exclNoCard } from './excl-no-card';
import { exclNonDesignated } from './excl-non-designated';
import { exclOutOfArea } from './excl-out-of-area';
import { exclPharmacyNoRx } from './excl-pharmacy-no-rx';
import { exclSuspended } from './excl-suspended';
import { indExam } from './ind-exam';
import { indGrowth } from './ind-growth';
import { indPercap } from './ind-percap';
import { indSelfpay } from './ind-selfpay';
import { payDiff } from './pay-diff';
import { rxDaysChr } from './rx-days-chr';
import { rxDaysChrWarn } from './rx-days-chr-warn';
import { rxDaysOrd } from './rx-days-ord';
import { rxDaysOrdWarn } from './rx-days-ord-warn';
import { rxOverlap } from './rx-overlap';
import { splitVisit } from './split-visit';
import { suspended } from './suspended';
import { topFund } from './top-fund';
import { topRx } from './top-rx';
import { twoPlaces } from './two-places';
import type { Rule } from './types';

export const rules: Rule[] = [
  rxDaysOrd,
  rxDaysOrdWarn,
  rxDaysChr,
  rxDaysChrWarn,
  rxOverlap,
  splitVisit,
  twoPlaces,
  drDayLoad,
  coVisit,
  checkup,
  exclNonDesignated,
  exclPharmacyNoRx,
  exclNoCard,
  exclSuspended,
  exclInpatient,
  exclArrears,
  exclOutOfArea,
  payDiff,
  suspended,
  indGrowth,
  indSelfpay,
  indExam,
  indPercap,
  topRx,
  topFund,
  budget,
  cashOut,
];

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

export type { Rule, RuleMeta, Finding, Basis } from './types';
