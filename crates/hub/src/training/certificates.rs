//! Certificates of completion, and the seeding of completions for the demo and tests.

use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;
use rampart_protocol::training::Certificate;
use rampart_training::Language;
use rampart_training::progress;

use super::catalog::{language_code, wire_language};
use super::{Training, TrainingError, certificate_id, completion, millis};
use crate::login::Authenticated;
use crate::store::StoredCompletion;

impl Training {
    /// Whether `agent` has passed every lesson `role` requires and none has expired (the
    /// decision as if enforced).
    pub async fn passes(&self, agent: AgentId, role: Role) -> Result<bool, TrainingError> {
        let catalog = self.catalog().await?;
        let now = self.now_ms()?;
        Ok(self.decide(&catalog, agent, role, now).await?.0.allowed)
    }

    /// Certificates of every completion of the caller, newest first, in their organisation's
    /// name.
    pub async fn certificates(
        &self,
        staff: &Authenticated,
    ) -> Result<Vec<Certificate>, TrainingError> {
        let profile = &staff.agent;
        let organisation = if staff.org.is_default() {
            self.inner.policy.organisation.clone()
        } else {
            self.inner
                .store
                .org(&staff.org)
                .await?
                .map_or_else(|| staff.org.to_string(), |o| o.name)
        };
        let catalog = self.catalog().await?;
        let mut out: Vec<Certificate> = self
            .inner
            .store
            .completions(profile.id)
            .await?
            .into_iter()
            .map(|c| {
                let lang = language_code(&c.language);
                let lesson = catalog.lesson(&c.pack, &c.lesson, lang);
                let expiry = lesson.and_then(|l| l.expiry_days);
                let expires_at = progress::expires_at(&completion(&c), expiry).map(millis);
                Certificate {
                    id: c.id.clone(),
                    organisation: organisation.clone(),
                    agent_name: profile.display_name.clone(),
                    pack_id: c.pack.clone(),
                    lesson_id: c.lesson.clone(),
                    lesson_title: lesson
                        .filter(|l| l.language == lang)
                        .map_or_else(|| c.lesson.clone(), |l| l.title.clone()),
                    language: wire_language(lang),
                    version: c.version,
                    percent: c.percent,
                    passed_at: c.passed_at,
                    expires_at,
                }
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// Demo and test seeding: records a passing completion of every lesson `role` must pass,
    /// as if it had been passed at `at_ms`.
    pub async fn seed_required(
        &self,
        agent: AgentId,
        role: Role,
        at_ms: i64,
    ) -> Result<(), TrainingError> {
        let catalog = self.catalog().await?;
        for required in catalog.requirements(role) {
            let Some(lesson) =
                catalog.lesson(&required.pack, &required.requirement.lesson, Language::En)
            else {
                continue;
            };
            self.inner
                .store
                .record_completion(StoredCompletion {
                    id: certificate_id(),
                    agent,
                    pack: required.pack.clone(),
                    lesson: lesson.id.clone(),
                    version: lesson.version,
                    language: lesson.language.code().to_owned(),
                    percent: 100,
                    passed_at: at_ms,
                })
                .await?;
        }
        Ok(())
    }
}
