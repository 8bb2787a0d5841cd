import type { SandboxReply, SandboxRequest } from './http.js';
import type { SandboxFault } from './options.js';

export class FaultPlan {
  private readonly faults: Array<SandboxFault & { left: number }> = [];

  add(fault: SandboxFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The next fault for this request, consumed. */
  take(method: string, path: string): SandboxFault | undefined {
    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
    if (fault) fault.left--;
    return fault;
  }
}

/**
 * Takes one input record out of the request, to be answered skipped with `code`; returns how to
 * put its result back in place once the others are handled.
 */
export function skipRecord(request: SandboxRequest, index: number, code: string): (reply: SandboxReply) => SandboxReply {
  const body = request.json as { input?: unknown[] } | undefined;
  if (!Array.isArray(body?.input) || index >= body.input.length) return (reply) => reply;
  request.json = { ...body, input: body.input.filter((_, i) => i !== index) };
  return (reply) => {
    const envelope = reply.body as { result?: unknown[] };
    envelope.result?.splice(index, 0, { status: 'skipped', reasons: [{ code, message: `Injected record failure ${code}` }] });
    return reply;
  };
}
