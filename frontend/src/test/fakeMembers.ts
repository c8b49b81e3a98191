/**
 * The fake dashboard backend's members area: add, change and remove members, create
 * users, reset passwords (a numeric password is refused, as by the server's rules).
 */
import type { Member, MemberRole } from '../api/dashboard';
import { NOW } from './dashboardFactories';
import { errorResponse, jsonResponse, type MockRequest, type Route } from './http';

export interface MembersState {
  members: Member[];
  /** Users who exist (and so can be added). */
  users: Set<string>;
}

export function memberRoutes(s: MembersState): Route[] {
  return [
    ['GET', /^members\/$/, () => jsonResponse(200, s.members)],
    ['POST', /^members\/$/, (req) => addMember(s, req)],
    ['PATCH', /^members\/(\d+)\/$/, (req, m) => changeRole(s, req, Number(m[1]))],
    ['DELETE', /^members\/(\d+)\/$/, (_req, m) => removeMember(s, Number(m[1]))],
    ['POST', /^members\/(\d+)\/password\/$/, (req) => resetPassword(req)],
    ['POST', /^users\/$/, (req) => createUser(s, req)],
  ];
}

function addMember(s: MembersState, req: MockRequest): Response {
  const body = req.body as { username: string; role: MemberRole };
  if (!s.users.has(body.username)) {
    return errorResponse(400, 'invalid', `username: No active user named '${body.username}'.`, {
      username: [`No active user named '${body.username}'.`],
    });
  }
  const existing = s.members.find((m) => m.username === body.username);
  const member: Member = existing
    ? { ...existing, role: body.role }
    : { id: s.members.length + 10, user_id: s.members.length + 10, username: body.username, display_name: body.username, email: '', role: body.role, created_at: NOW };
  s.members = existing ? s.members.map((m) => (m.id === member.id ? member : m)) : [...s.members, member];
  return jsonResponse(201, member);
}

function changeRole(s: MembersState, req: MockRequest, id: number): Response {
  const member = s.members.find((m) => m.id === id);
  if (!member) return errorResponse(404, 'not_found', 'Not found.');
  const changed = { ...member, role: (req.body as { role: MemberRole }).role };
  s.members = s.members.map((m) => (m.id === id ? changed : m));
  return jsonResponse(200, changed);
}

/** Like the server: a typed password must pass the rules; none means one is generated. */
function passwordProblem(password: string): Response | null {
  if (password === '' || !/^\d+$/.test(password)) return null;
  return errorResponse(400, 'invalid', 'password: This password is entirely numeric.', {
    password: ['This password is entirely numeric.'],
  });
}

function createUser(s: MembersState, req: MockRequest): Response {
  const body = req.body as { username: string; email: string; role: MemberRole; password: string };
  const refused = passwordProblem(body.password);
  if (refused) return refused;
  const id = s.members.length + 10;
  const member: Member = { id, user_id: id, username: body.username, display_name: body.username, email: body.email, role: body.role, created_at: NOW };
  s.members = [...s.members, member];
  s.users.add(body.username);
  return jsonResponse(201, { member, generated_password: body.password === '' ? 'Generated-Pass-1' : null });
}

function resetPassword(req: MockRequest): Response {
  const { password } = req.body as { password: string };
  return passwordProblem(password) ?? jsonResponse(200, { generated_password: password === '' ? 'Generated-Pass-2' : null });
}

function removeMember(s: MembersState, id: number): Response {
  s.members = s.members.filter((m) => m.id !== id);
  return jsonResponse(204);
}
