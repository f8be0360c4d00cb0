/** What a signed-in user sees on a page their role may not open: a message, not a server error. */
export function ForbiddenPanel({ what }: { what: string }) {
  return (
    <div className="error-box" role="alert" data-testid="forbidden">
      <strong>无权限</strong>
      <p>您的角色不能访问{what}。如需权限，请联系系统管理员。</p>
    </div>
  );
}
