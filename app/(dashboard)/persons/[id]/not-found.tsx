import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="panel">
      <div className="empty">
        未找到该参保人，或不在您的辖区。<Link href="/persons">返回参保人列表</Link>
      </div>
    </div>
  );
}
