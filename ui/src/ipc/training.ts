// Training commands: the trainee's lessons, quizzes, drills, certificates and live sessions, and
// the trainer's packs, cohorts, dashboard and live-session controls. The core forwards each to the
// hub, which scores and decides; nothing here computes a score or a gate.
import { call } from './index';
import type {
  AssignmentRequest,
  Certificate,
  Cohort,
  CohortId,
  CohortRequest,
  Dashboard,
  DrillAction,
  DrillRunId,
  DrillStart,
  DrillTurn,
  LessonView,
  LiveAnswer,
  LiveControl,
  LiveSession,
  LiveSessionId,
  LiveStart,
  PackFile,
  PackSummary,
  QuizResult,
  QuizSubmission,
  Trainee,
  TrainingLanguage,
  TrainingOverview,
} from './protocol';

export type * from './protocol';

// ---- trainee (any signed-in role) ----

/** The gate on live work and every lesson with the agent's standing, titles in `language`
 * (default: the language the UI last reported to the core). */
export function trainingOverview(language?: TrainingLanguage): Promise<TrainingOverview> {
  return call<TrainingOverview>('training_overview', { language: language ?? null });
}

/** A lesson's content; answers only when a trainer asks for a preview. */
export function trainingLesson(
  packId: string,
  lessonId: string,
  language: TrainingLanguage,
  preview = false,
): Promise<LessonView> {
  return call<LessonView>('training_lesson', { packId, lessonId, language, preview });
}

/** Sends quiz answers; the hub marks them. */
export function submitQuiz(
  packId: string,
  lessonId: string,
  submission: QuizSubmission,
): Promise<QuizResult> {
  return call<QuizResult>('training_submit_quiz', { packId, lessonId, submission });
}

/** Starts a run of a drill (the customer's opening line comes back). */
export function startDrill(start: DrillStart): Promise<DrillTurn> {
  return call<DrillTurn>('training_start_drill', { start });
}

/** Reports what the trainee did in a drill; the customer's answer (and, at the end, the result)
 * comes back. */
export function drillAct(runId: DrillRunId, action: DrillAction): Promise<DrillTurn> {
  return call<DrillTurn>('training_drill_act', { runId, action });
}

/** The agent's certificates of completion. */
export function certificates(): Promise<Certificate[]> {
  return call<Certificate[]>('training_certificates');
}

/** Joins a live onboarding session with the trainer's code. */
export function joinLive(code: string): Promise<LiveSession> {
  return call<LiveSession>('training_live_join', { code });
}

/** Answers the open question of a live session. */
export function answerLive(session: LiveSessionId, answer: LiveAnswer): Promise<LiveSession> {
  return call<LiveSession>('training_live_answer', { session, answer });
}

/** A live session's current state (trainer or joined trainee). */
export function liveSession(session: LiveSessionId): Promise<LiveSession> {
  return call<LiveSession>('training_live_session', { session });
}

// ---- trainer (trainer and admin roles; the hub refuses others) ----

export function trainerPacks(): Promise<PackSummary[]> {
  return call<PackSummary[]>('trainer_packs');
}

/** Imports a pack (every file as text); an invalid pack fails with `packInvalid` and `issues`. */
export function importPack(files: PackFile[]): Promise<PackSummary> {
  return call<PackSummary>('trainer_import_pack', { files });
}

export function trainees(): Promise<Trainee[]> {
  return call<Trainee[]>('trainer_trainees');
}

export function cohorts(): Promise<Cohort[]> {
  return call<Cohort[]>('trainer_cohorts');
}

/** Creates (`id` null) or updates a cohort. */
export function saveCohort(id: CohortId | null, request: CohortRequest): Promise<Cohort> {
  return call<Cohort>('trainer_save_cohort', { id, request });
}

export function assignLesson(cohort: CohortId, request: AssignmentRequest): Promise<Cohort> {
  return call<Cohort>('trainer_assign', { cohort, request });
}

/** Progress per agent and lesson, for one cohort or everyone. */
export function dashboard(cohort: CohortId | null): Promise<Dashboard> {
  return call<Dashboard>('trainer_dashboard', { cohort });
}

/** Saves the dashboard as CSV in the user's downloads folder; returns the file's path. */
export function exportDashboardCsv(cohort: CohortId | null): Promise<string> {
  return call<string>('trainer_export_csv', { cohort });
}

export function startLive(start: LiveStart): Promise<LiveSession> {
  return call<LiveSession>('trainer_live_start', { start });
}

export function controlLive(session: LiveSessionId, control: LiveControl): Promise<LiveSession> {
  return call<LiveSession>('trainer_live_control', { session, control });
}
