// Training state the whole UI shares: the hub's gate on live work, the live session this
// console runs or joined, and which area of the console is showing (so the Chats area's gate
// banner can open a lesson in the Training area). Fed by the core's `trainingGate` and
// `liveTraining` events (wired in the console store) and by the answers of the commands in
// `ipc/training.ts`.
import type { LessonRef, LiveSession, TrainingGate } from '../../ipc/training';

/** The areas of a signed-in console: live chats, the agent's own training, running training. */
export type Area = 'console' | 'training' | 'trainer';

class TrainingStore {
  gate = $state<TrainingGate | null>(null);
  live = $state<LiveSession | null>(null);
  area = $state<Area>('console');
  /** A lesson another area asked the Training area to open (taken by it once shown). */
  requested = $state<Pick<LessonRef, 'packId' | 'lessonId'> | null>(null);

  /** A newer state of a live session replaces the held one; another session's is ignored
   * unless none is held. */
  setLive(session: LiveSession | null): void {
    if (session === null || this.live === null || this.live.id === session.id) {
      this.live = session;
    }
  }

  /** Bumped when the Training tab is chosen while already showing: back to the overview. */
  home = $state(0);

  /** Shows an area (the top bar's tabs); choosing Training again returns to its overview. */
  showArea(area: Area): void {
    if (area === 'training' && this.area === 'training') this.home += 1;
    this.area = area;
  }

  /** Switches to the Training area and opens a lesson there. */
  openLesson(ref: Pick<LessonRef, 'packId' | 'lessonId'>): void {
    this.requested = { packId: ref.packId, lessonId: ref.lessonId };
    this.area = 'training';
  }

  /** The requested lesson, once (the Training area calls this when it shows). */
  takeRequested(): Pick<LessonRef, 'packId' | 'lessonId'> | null {
    const requested = this.requested;
    this.requested = null;
    return requested;
  }

  /** Forgets everything (sign-out, lock). */
  clear(): void {
    this.gate = null;
    this.live = null;
    this.requested = null;
    this.area = 'console';
  }
}

export const trainingStore = new TrainingStore();
