import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="panel">
      <div className="empty">
        未找到该医师，或不在您的辖区。<Link href="/doctors">返回医师列表</Link>
      </div>
    </div>
  );
}
