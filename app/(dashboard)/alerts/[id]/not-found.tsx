import Link from 'next/link';

export default function AlertNotFound() {
  return (
    <div className="panel">
      <div className="empty">
        预警不存在或不在您的辖区。<Link href="/alerts">返回预警列表</Link>
      </div>
    </div>
  );
}
