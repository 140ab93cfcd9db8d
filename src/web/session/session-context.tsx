import { createContext, type ReactNode, useContext } from 'react';
import type { Me } from '../api';

const MeContext = createContext<Me | null>(null);

/** Makes the signed-in person available to every page below. */
export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/** The signed-in person; only valid below the session gate. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() outside MeProvider');
  return me;
}

/** Approvers and admins decide escalated requests and read everyone's. */
export function canReview(me: Me): boolean {
  return me.role === 'approver' || me.role === 'admin';
}

/** True when `email` is the signed-in person's address (case and spaces ignored). */
export function isMyAddress(me: Me, email: string | null): boolean {
  return email !== null && email.trim().toLowerCase() === me.email.trim().toLowerCase();
}
