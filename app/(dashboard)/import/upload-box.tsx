'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { useHydrated } from '@/components/use-hydrated';
import { chinesePart } from '@/lib/format';

interface Status {
  id: number;
  status: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  message: string | null;
}

/** Drag-and-drop upload; the progress bar follows the upload, then the server's row count (GET /api/ingest/{id}). */
export function UploadBox() {
  const router = useRouter();
  const hydrated = useHydrated();
  const input = useRef<HTMLInputElement>(null);
  const [strict, setStrict] = useState(false);
  const [over, setOver] = useState(false);
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'loading' | 'done' | 'error'>('idle');
  const [sent, setSent] = useState(0);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [estimate, setEstimate] = useState(0);

  function upload(file: File) {
    setPhase('uploading');
    setError(null);
    setStatus(null);
    setSent(0);
    // rough row estimate for the bar while the server reads (about 300 bytes a row)
    setEstimate(Math.max(1, Math.round(file.size / 300)));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/ingest?name=${encodeURIComponent(file.name)}&strict=${strict ? 1 : 0}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && setSent(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status !== 202) {
        setPhase('error');
        setError(safeMessage(xhr.responseText) ?? `上传失败 (${xhr.status})`);
        return;
      }
      const { id } = JSON.parse(xhr.responseText) as { id: number };
      setPhase('loading');
      void poll(id);
    };
    xhr.onerror = () => {
      setPhase('error');
      setError('网络错误，上传失败');
    };
    // always a file body: the server refuses text/plain or form uploads, which another site could send without a CORS preflight
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.send(file);
  }

  async function poll(id: number) {
    for (;;) {
      const res = await fetch(`/api/ingest/${id}`, { cache: 'no-store' });
      if (!res.ok) {
        setPhase('error');
        setError(`无法读取导入状态 (${res.status})`);
        return;
      }
      const s = (await res.json()) as Status;
      setStatus(s);
      if (s.status !== 'running') {
        setPhase(s.status === 'failed' ? 'error' : 'done');
        // the batch's message is the Chinese part of the server's; a message with none (an unexpected error) is not shown raw
        if (s.status === 'failed') setError(failedText(s.message));
        router.refresh();
        return;
      }
      await new Promise((r) => setTimeout(r, 700));
    }
  }

  const pct =
    phase === 'uploading' ? sent * 50 : phase === 'loading' ? 50 + Math.min(49, ((status?.rows ?? 0) / estimate) * 49) : phase === 'done' ? 100 : 0;

  return (
    <div className="panel">
      <div
        data-testid="dropzone"
        data-ready={hydrated || undefined}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer.files[0];
          if (f) upload(f);
        }}
        onClick={() => input.current?.click()}
        style={{ border: `2px dashed ${over ? '#1f6feb' : '#c8ccd2'}`, borderRadius: 6, padding: 28, textAlign: 'center', cursor: 'pointer' }}
      >
        将结算、费用明细或机构/医师/参保人文件拖到这里，或点击选择（CSV、GBK/UTF-8、XLSX、NDJSON）
        <input
          ref={input}
          type="file"
          data-testid="file-input"
          accept=".csv,.txt,.xlsx,.ndjson,.jsonl,.json"
          style={{ display: 'none' }}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) upload(f);
            e.target.value = '';
          }}
        />
      </div>
      <div className="toolbar" style={{ marginTop: 8 }}>
        <label>
          <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} /> 严格模式（有错误行则整批不导入）
        </label>
      </div>
      {phase !== 'idle' && (
        <div>
          <progress max={100} value={pct} style={{ width: '100%' }} data-testid="progress" />
          <div data-testid="import-status">
            {phase === 'uploading' && `上传中 ${Math.round(sent * 100)}%`}
            {phase === 'loading' && `导入中：已读取 ${status?.rows ?? 0} 行`}
            {phase === 'done' && status &&
              `${status.status === 'rejected' ? '严格模式：有错误行，整批未导入' : '导入完成'}：新增 ${status.inserted}，更新 ${status.updated}，未变 ${status.unchanged}，拒绝 ${status.rejected}`}
            {phase === 'error' && <span style={{ color: '#c62828' }}>{error}</span>}
          </div>
          {status && status.rejected > 0 && (
            <a href={`/api/ingest/${status.id}/errors`} data-testid="error-report">
              下载错误报告（XLSX）
            </a>
          )}
        </div>
      )}
    </div>
  );
}

function safeMessage(text: string): string | null {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? null;
  } catch {
    return null;
  }
}

function failedText(message: string | null): string {
  const zh = message ? chinesePart(message) : '';
  return /[\u4e00-\u9fff]/.test(zh) ? zh : '导入失败：系统内部错误，请联系管理员';
}
