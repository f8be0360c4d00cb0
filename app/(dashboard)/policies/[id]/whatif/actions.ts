'use server';
/**
 * 模拟调整: save a drafted scenario (permission 'scenario.draft', validation as a policy file and the audit
 * row are in lib/whatif/store.ts). Any refusal comes back as a flash on the draft page, never a 500.
 */
import { redirect } from 'next/navigation';
import { clientIp, requireActor } from '@/lib/auth/current';
import { errorQuery } from '@/lib/dashboard/flash';
import { getDb } from '@/lib/db/client';
import { DRAFT_KEYS, type DraftInput } from '@/lib/whatif/draft';
import { saveScenario } from '@/lib/whatif/store';

const str = (form: FormData, k: string) => String(form.get(k) ?? '');
const byKey = (form: FormData, prefix: string) => Object.fromEntries(DRAFT_KEYS.map((k) => [k, str(form, `${prefix}.${k}`)]));

export async function saveScenarioAction(form: FormData): Promise<void> {
  const baseId = str(form, 'basePolicyId');
  if (!/^[a-z0-9-]+$/.test(baseId)) redirect('/policies');
  let target: string;
  try {
    const actor = await requireActor('scenario.draft');
    const draft: DraftInput = {
      deductible: byKey(form, 'deductible'),
      deductibleAnnual: form.has('deductibleAnnual') ? str(form, 'deductibleAnnual') : undefined,
      deductibleCap: form.has('deductibleCap') ? str(form, 'deductibleCap') : undefined,
      rateInService: byKey(form, 'rateInService'),
      rateRetired: byKey(form, 'rateRetired'),
      capInService: str(form, 'capInService'),
      capRetired: str(form, 'capRetired'),
      pharmacyCounts: form.get('pharmacyCounts') === 'on',
      pharmaciesCovered: form.get('pharmaciesCovered') === 'on',
    };
    const s = await saveScenario(await getDb(), actor, { basePolicyId: baseId, region: str(form, 'region'), name: str(form, 'name'), draft }, await clientIp());
    target = `/policies/${baseId}/whatif/${s.id}`;
  } catch (e) {
    target = `/policies/${baseId}/whatif?${errorQuery(e)}`;
  }
  redirect(target);
}
