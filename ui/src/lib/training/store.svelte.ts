// Training state the whole UI shares: the hub's gate on live work and the live session this
// console runs or joined. Fed by the core's `trainingGate` and `liveTraining` events (wired in
// the console store) and by the answers of the commands in `ipc/training.ts`.
import type { LiveSession, TrainingGate } from '../../ipc/training';

class TrainingStore {
  gate = $state<TrainingGate | null>(null);
  live = $state<LiveSession | null>(null);

  /** A newer state of a live session replaces the held one; another session's is ignored
   * unless none is held. */
  setLive(session: LiveSession | null): void {
    if (session === null || this.live === null || this.live.id === session.id) {
      this.live = session;
    }
  }

  /** Forgets everything (sign-out, lock). */
  clear(): void {
    this.gate = null;
    this.live = null;
  }
}

export const trainingStore = new TrainingStore();
