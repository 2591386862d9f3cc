import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="empty">
      <p className="empty-title">Page not found</p>
      <p>
        <Link href="/experiments">Back to experiments</Link>
      </p>
    </div>
  );
}
