/**
 * `apikey create --institution CODE [--region CODE] [--label TEXT] [--json]`: a key for an institution's system to call
 * the real-time check (NHSA 3101/3102/3103); prints `{key, id, region, institution, institution_name}` — the key is
 * shown only here (stored hashed). `apikey revoke --region CODE --id N [--json]`, `apikey list [--json]`.
 * The same lib functions as the admin page (lib/realtime/keys.ts), with the audit row; the command line acts as the
 * operating-system account (cli:<user>).
 */
import { cliActor } from '../audit/operations';
import { getDb } from '../db/client';
import { InputError } from '../errors';
import { withScope } from '../realtime/db';
import { createKey, listKeys, revokeKey } from '../realtime/keys';
import { emit, parse, type Io } from './args';

export async function apikeyCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    institution: { type: 'string' },
    region: { type: 'string' },
    label: { type: 'string' },
    id: { type: 'string' },
  });
  const sub = positionals[0];
  const db = await getDb();
  const actor = cliActor();
  if (sub === 'create') {
    if (!values.institution) throw new InputError('须给出 --institution 机构编码', { field: '--institution' });
    const k = await createKey(db, actor, { institution: values.institution, region: values.region, label: values.label });
    emit(io, values.json, k, () => `已为机构 ${k.institution_name}（${k.institution}，统筹区 ${k.region}）生成接口密钥 #${k.id}（只显示这一次，请妥善保存）：\n${k.key}`);
    return 0;
  }
  if (sub === 'revoke') {
    if (!values.region || !/^\d{6}$/.test(values.region)) throw new InputError('须给出 --region 6 位统筹区编码', { field: '--region' });
    if (!values.id || !/^\d{1,15}$/.test(values.id)) throw new InputError('须给出 --id 密钥编号', { field: '--id' });
    await revokeKey(db, actor, { region: values.region, id: Number(values.id) });
    emit(io, values.json, { revoked: Number(values.id), region: values.region }, () => `已作废密钥 #${values.id}`);
    return 0;
  }
  if (sub === 'list') {
    const keys = await withScope(db, actor, (c) => listKeys(c));
    emit(io, values.json, { keys }, () =>
      keys.length
        ? keys.map((k) => `#${k.id} ${k.region_code} ${k.fixmedins_code} ${k.fixmedins_name ?? ''} ${k.key_prefix}… ${k.revoked_at ? `已作废 ${k.revoked_at}` : '有效'} 调用 ${k.calls} 次`).join('\n')
        : '没有接口密钥',
    );
    return 0;
  }
  throw new InputError('用法：apikey create --institution CODE [--region CODE] [--label TEXT] | apikey revoke --region CODE --id N | apikey list', { field: 'argv' });
}
