import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="panel">
      <div className="empty">
        未找到该机构，或不在您的辖区。<Link href="/institutions">返回机构列表</Link>
      </div>
    </div>
  );
}
