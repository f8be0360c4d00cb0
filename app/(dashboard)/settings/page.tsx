import { asc } from 'drizzle-orm';
import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { dateTime, dateTimeSeconds } from '@/lib/format';
import { users } from '@/lib/db/schema';
import { mailConfig } from '@/lib/mail/config';
import { SEVERITIES, SEVERITY_LABEL } from '@/lib/mail/digest-data';
import { buildDigest, CHART_CID } from '@/lib/mail/digest';
import { reportWeek } from '@/lib/mail/jobs';
import { listDeliveries } from '@/lib/mail/status';
import { recipientFor } from '@/lib/mail/subscriptions';
import { parseWeek, weekOf, type IsoWeek } from '@/lib/mail/week';
import { rules } from '@/lib/rules';
import { resendAction, saveSubscriptionAction } from './actions';
import { flashFrom } from '@/lib/dashboard/flash';

export const dynamic = 'force-dynamic';

const STATUS_LABEL: Record<string, string> = { sent: '已发送', sending: '发送中', failed: '失败（将重试）', unknown: '待确认（未自动重发）' };

type Search = { user?: string; week?: string; ok?: string; error?: string };

export default async function SettingsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const flash = flashFrom(sp);
  const db = await getDb();
  const isAdmin = actor.role === 'admin';
  const requested = Number(sp.user);
  const targetId = isAdmin && Number.isInteger(requested) && requested > 0 ? requested : actor.userId;
  const target = await recipientFor(db, targetId);
  let week: IsoWeek;
  try {
    week = sp.week ? parseWeek(sp.week) : reportWeek(new Date());
  } catch {
    week = reportWeek(new Date());
  }
  const digest = target.regions.length ? await buildDigest(db, target, week) : null;
  const preview = digest?.html.replace(`cid:${CHART_CID}`, `data:${digest.chart.contentType};base64,${digest.chart.content.toString('base64')}`);
  const deliveries = await listDeliveries(db, { userId: isAdmin && !sp.user ? undefined : targetId });
  const people = isAdmin ? await db.select({ id: users.id, name: users.name, email: users.email }).from(users).orderBy(asc(users.id)) : [];
  const own = target.userRegions.includes('*') ? target.regions : target.userRegions;
  const sub = target.subscription;
  const cfg = mailConfig();
  const thisWeek = weekOf(new Date());

  return (
    <>
      <h1>设置 · 预警周报</h1>
      {flash.ok ? <div className="panel" role="status">{flash.ok}</div> : null}
      {flash.error ? <div className="error-box" role="alert">{flash.error}</div> : null}

      {isAdmin ? (
        <form className="toolbar" method="get">
          <label>
            用户{' '}
            <select name="user" defaultValue={String(targetId)}>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}（{p.email}）
                </option>
              ))}
            </select>
          </label>
          <input type="hidden" name="week" value={week.key} />
          <button className="secondary" type="submit">查看</button>
        </form>
      ) : null}

      <div className="panel">
        <h2>订阅 — {target.name}（{target.email}）</h2>
        <form action={saveSubscriptionAction}>
          <input type="hidden" name="userId" value={target.userId} />
          <p>
            <label>
              <input type="checkbox" name="enabled" defaultChecked={sub.enabled} /> 接收每周预警周报
            </label>
            {sub.isDefault ? <span className="muted">（当前为默认设置：稽核员和复核人员默认订阅）</span> : null}
          </p>
          <fieldset>
            <legend>统筹区（不选 = 本人全部统筹区）</legend>
            {own.map((code) => (
              <label key={code} style={{ marginRight: 12 }}>
                <input type="checkbox" name="regions" value={code} defaultChecked={sub.regions.includes(code)} /> {code}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>规则</legend>
            <label>
              <input type="checkbox" name="allRules" defaultChecked={sub.rules.length === 0} /> 全部规则
            </label>
            <div style={{ columns: 2, marginTop: 6 }}>
              {rules.map((r) => (
                <label key={r.id} style={{ display: 'block' }}>
                  <input type="checkbox" name="rules" value={r.id} defaultChecked={sub.rules.includes(r.id)} /> {r.nameZh} <span className="muted">{r.id}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <p>
            <label>
              最低严重程度{' '}
              <select name="minSeverity" defaultValue={sub.minSeverity}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {SEVERITY_LABEL[s]}
                    {s === 'low' ? '（全部）' : s === 'medium' ? '及以上' : ''}
                  </option>
                ))}
              </select>
            </label>
          </p>
          <button type="submit">保存订阅</button>
        </form>
        <p className="muted">
          发送时间：cron <code>{cfg.DIGEST_CRON}</code>（{cfg.DIGEST_TZ}），默认每周一 08:00 发送上一周的周报。本周为 {thisWeek.key}。
        </p>
      </div>

      <div className="panel">
        <h2>发送记录</h2>
        {deliveries.length === 0 ? (
          <div className="empty">还没有发送记录</div>
        ) : (
          <table className="data" data-testid="deliveries">
            <thead>
              <tr>
                <th>周</th>
                <th>收件人</th>
                <th>主题</th>
                <th>状态</th>
                <th className="num">尝试次数</th>
                <th>最近错误</th>
                <th>发送时间</th>
                {isAdmin ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.week}</td>
                  <td>{d.email}</td>
                  <td style={{ whiteSpace: 'normal' }}>{d.subject}</td>
                  <td>
                    <span className={`badge ${d.status === 'sent' ? 'low' : d.status === 'failed' ? 'high' : 'medium'}`}>{STATUS_LABEL[d.status] ?? d.status}</span>
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td style={{ whiteSpace: 'normal', maxWidth: 320 }} title={d.history.map((h) => `${dateTimeSeconds(h.at)} ${h.ok ? '成功' : (h.error ?? '失败')}`).join('\n')}>
                    {d.lastError ?? ''}
                  </td>
                  <td>{d.sentAt ? dateTime(d.sentAt) : ''}</td>
                  {isAdmin ? (
                    <td>
                      {d.status === 'failed' || d.status === 'unknown' ? (
                        <form action={resendAction}>
                          <input type="hidden" name="sentId" value={d.id} />
                          <input type="hidden" name="userId" value={d.userId} />
                          <button className="secondary" type="submit">重发</button>
                        </form>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="panel">
        <h2>周报预览</h2>
        <form className="toolbar" method="get">
          {isAdmin ? <input type="hidden" name="user" value={targetId} /> : null}
          <label>
            周 <input name="week" defaultValue={week.key} pattern="\d{4}-W\d{2}" size={9} />
          </label>
          <button className="secondary" type="submit">预览</button>
        </form>
        {digest && preview ? (
          <>
            <p>
              主题：<strong data-testid="digest-subject">{digest.subject}</strong>
            </p>
            <iframe title="周报预览" srcDoc={preview} sandbox="" style={{ width: '100%', height: 900, border: '1px solid #d0d7de', background: '#fff' }} />
          </>
        ) : (
          <div className="empty">该用户没有可订阅的统筹区</div>
        )}
      </div>
    </>
  );
}
