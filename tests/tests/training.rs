//! The trainee's training in the real console against the embedded demo hub (which enforces the
//! training gate): the demo's untrained newcomer sees why no live chats come, opens a blocking
//! lesson from the Chats area and passes its quiz; a drill where the trainee sends the secure
//! form scores full marks, and one where they ask for the card in chat fails with the
//! explanation. Screenshots (EN and ES, light and dark) go to `.e2e-artifacts/training-*.png`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_client::{ClientErrorCode, HubApi, HubUrl};
use rampart_demo::{DemoAccount, SecretString};
use rampart_e2e::{Console, Error, free_port, scenario_with_env};
use rampart_protocol::rest::LoginStep;
use rampart_protocol::training::{BlockView, QuizAnswer, TrainingLanguage};

const WAIT: Duration = Duration::from_secs(20);

fn demo_dir(home: &Path) -> PathBuf {
    home.join(".local/share/com.rampart.console.dev/demo")
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs in through the sign-in screen as `account` (password, then the authenticator code the
/// test computes, taking the next step's code if provisioning used this one).
async fn sign_in_as(console: &Console, account: &DemoAccount) -> Result<(), Error> {
    console
        .type_into("[data-testid=username]", account.username())
        .await?;
    console
        .type_into("[data-testid=password]", account.password().expose())
        .await?;
    console.click("[data-testid=signin-submit]").await?;
    console.wait_for("[data-testid=totp]", WAIT).await?;
    let (code, _) = account.code_at(unix_now());
    console.type_into("[data-testid=totp]", &code).await?;
    console.click("[data-testid=totp-submit]").await?;
    let deadline = Instant::now() + WAIT;
    while !console.exists("[data-testid=availability]").await? {
        if console.exists("[data-testid=code-error]").await? {
            let (next, _) = account.code_at(unix_now() + 30);
            console.type_into("[data-testid=totp]", &next).await?;
            console.click("[data-testid=totp-submit]").await?;
        }
        assert!(
            Instant::now() < deadline,
            "sign-in did not reach the workspace"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// The right answers of a lesson in English and in Spanish, from the demo trainer's preview
/// through the hub's API (the trainee never gets them).
async fn right_answers(
    hub: &HubUrl,
    trainer: &DemoAccount,
    pack: &str,
    lesson: &str,
) -> Result<(Vec<QuizAnswer>, Vec<QuizAnswer>), Error> {
    let api = HubApi::new(hub.clone())?;
    let deadline = Instant::now() + Duration::from_secs(70);
    let token = loop {
        let LoginStep::TotpRequired { challenge, .. } =
            api.login(trainer.username(), trainer.password()).await?
        else {
            return Err("the demo trainer is enrolled".into());
        };
        let (code, _) = trainer.code_at(unix_now());
        match api.verify_totp(&challenge, &SecretString::new(code)).await {
            Ok(granted) => break granted.token,
            // Provisioning used this step's code: wait for the next one.
            Err(error) if error.code() == ClientErrorCode::TotpReplayed => {
                assert!(Instant::now() < deadline, "no fresh code for the trainer");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(error) => return Err(error.into()),
        }
    };
    let mut answers = Vec::new();
    for language in [TrainingLanguage::En, TrainingLanguage::Es] {
        let view = api
            .training_lesson(&token, pack, lesson, language, true)
            .await?;
        answers.push(
            view.sections
                .iter()
                .flat_map(|s| &s.blocks)
                .filter_map(|b| match b {
                    BlockView::Quiz { question } => question.answer.clone(),
                    _ => None,
                })
                .collect(),
        );
    }
    let es = answers.pop().unwrap_or_default();
    let en = answers.pop().unwrap_or_default();
    Ok((en, es))
}

/// Clicks the `index`-th element matching `inner` inside the `question`-th question.
async fn click_in_question(
    console: &Console,
    question: usize,
    inner: &str,
    index: usize,
) -> Result<(), Error> {
    let clicked = console
        .client()
        .execute(
            "const [q, sel, i] = arguments;\
             const el = document.querySelectorAll('[data-testid=question]')[q]\
               ?.querySelectorAll(sel)[i];\
             if (!el) return false; el.click(); return true;",
            vec![question.into(), inner.into(), index.into()],
        )
        .await?;
    assert_eq!(
        clicked,
        serde_json::Value::Bool(true),
        "{inner} #{index} in question {question}"
    );
    Ok(())
}

/// Gives each question its right answer through the UI's own controls.
async fn answer(console: &Console, answers: &[QuizAnswer]) -> Result<(), Error> {
    for (q, answer) in answers.iter().enumerate() {
        match answer {
            QuizAnswer::Single { choice } => {
                click_in_question(console, q, "input[type=radio]", *choice as usize).await?;
            }
            QuizAnswer::Multiple { choices } => {
                for choice in choices {
                    click_in_question(console, q, "input[type=checkbox]", *choice as usize).await?;
                }
            }
            QuizAnswer::TrueFalse { value } => {
                click_in_question(console, q, "input[type=radio]", usize::from(!value)).await?;
            }
            QuizAnswer::Ordering { order } => {
                // Selection sort with the move-up buttons: bring each right item to its place.
                let mut shown: Vec<u32> = (0..order.len() as u32).collect();
                for (place, wanted) in order.iter().enumerate() {
                    let mut at = shown.iter().position(|o| o == wanted).unwrap_or(place);
                    while at > place {
                        click_in_question(console, q, "[data-testid=move-up]", at).await?;
                        shown.swap(at, at - 1);
                        at -= 1;
                    }
                }
            }
        }
    }
    Ok(())
}

async fn attribute(console: &Console, css: &str, name: &str) -> Result<String, Error> {
    let value = console
        .client()
        .execute(
            "return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? '';",
            vec![css.into(), name.into()],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Opens a lesson from the overview by its ids.
async fn open_lesson(console: &Console, lesson: &str) -> Result<(), Error> {
    console.click("[data-testid=area-training]").await?;
    console.wait_for("[data-testid=lesson-row]", WAIT).await?;
    console
        .click(&format!(
            "[data-lesson='{lesson}'] [data-testid=open-lesson]"
        ))
        .await?;
    console
        .wait_for(
            &format!("[data-testid=lesson][data-lesson='{lesson}']"),
            WAIT,
        )
        .await
}

/// Runs the lesson's drill: `first` is the trainee's first move; then "ok, thanks" until the
/// simulated customer ends the chat.
async fn run_drill(console: &Console, first: &str) -> Result<(), Error> {
    console.wait_for("[data-testid=drill-line]", WAIT).await?;
    if first == "secure-form" {
        console.click("[data-testid=drill-secure-form]").await?;
    } else {
        console
            .type_into("[data-testid=drill-input]", first)
            .await?;
        console.click("[data-testid=drill-send]").await?;
    }
    let deadline = Instant::now() + WAIT;
    while !console.exists("[data-testid=drill-result]").await? {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if console.exists("[data-testid=drill-result]").await? {
            break;
        }
        if console
            .exists("[data-testid=drill-input]:not([disabled])")
            .await?
        {
            console
                .type_into("[data-testid=drill-input]", "ok, thanks")
                .await?;
            console.click("[data-testid=drill-send]").await?;
        }
        assert!(Instant::now() < deadline, "the drill did not end");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_agent_passes_a_lesson_and_drills_in_the_console() -> Result<(), Error> {
    let port = free_port()?;
    let port_text = port.to_string();
    let env = [
        ("RAMPART_DEMO_PORT", port_text.as_str()),
        ("RAMPART_DEMO_VISITORS", "0"),
    ];
    scenario_with_env("training", &env, async |console| {
        console.wait_for("[data-testid=start-demo]", WAIT).await?;
        console.click("[data-testid=start-demo]").await?;
        console.wait_for("[data-testid=demo-card]", WAIT).await?;
        let dir = demo_dir(console.home());
        let newcomer = DemoAccount::load_newcomer(&dir)?;
        let trainer = DemoAccount::load_trainer(&dir)?;
        sign_in_as(console, &newcomer).await?;

        // The Chats area says why no chats come, and links the blocking lessons.
        console
            .wait_for("[data-testid=training-gate-chats]", WAIT)
            .await?;
        console.screenshot("gate-chats-en").await?;
        let lesson = attribute(console, "[data-testid=gate-lesson]", "data-lesson").await?;
        let (pack, id) = lesson
            .split_once('/')
            .ok_or("a lesson link names its lesson")?;
        console.click("[data-testid=gate-lesson]").await?;
        console
            .wait_for(
                &format!("[data-testid=lesson][data-lesson='{lesson}']"),
                WAIT,
            )
            .await?;
        console.wait_for("[data-testid=question]", WAIT).await?;
        console.screenshot("lesson-en").await?;

        // Its quiz, answered through the UI, is passed and marked question by question.
        let hub = HubUrl::parse(&format!("http://127.0.0.1:{port}"))?;
        let (answers, answers_es) = right_answers(&hub, &trainer, pack, id).await?;
        assert!(!answers.is_empty(), "{lesson} has a quiz");
        answer(console, &answers).await?;
        console.click("[data-testid=submit-quiz]").await?;
        console.wait_for("[data-testid=quiz-result]", WAIT).await?;
        assert_eq!(
            attribute(console, "[data-testid=quiz-result]", "data-passed").await?,
            "true"
        );
        let marks = console
            .client()
            .execute(
                "return [...document.querySelectorAll('[data-testid=question-mark]')]\
                 .map(m => m.dataset.correct);",
                vec![],
            )
            .await?;
        assert_eq!(marks, serde_json::json!(vec!["true"; answers.len()]));
        console.screenshot("quiz-result-en").await?;

        // The card drill: the secure form scores full marks…
        let drill_lesson = "rampart-builtin/drill-card-pasted";
        open_lesson(console, drill_lesson).await?;
        console.click("[data-testid=open-drill]").await?;
        console.click("[data-testid=start-drill]").await?;
        run_drill(console, "secure-form").await?;
        assert_eq!(
            attribute(console, "[data-testid=drill-result]", "data-passed").await?,
            "true"
        );
        assert_eq!(
            attribute(console, "[data-testid=drill-result]", "data-percent").await?,
            "100"
        );
        assert!(!console.exists("[data-testid=drill-mistake]").await?);
        console.screenshot("drill-passed-en").await?;

        // …and asking for the card in the chat fails, with the explanation.
        console.click("[data-testid=drill-again]").await?;
        run_drill(
            console,
            "Could you send me your card number here in the chat?",
        )
        .await?;
        assert_eq!(
            attribute(console, "[data-testid=drill-result]", "data-passed").await?,
            "false"
        );
        let mistake = "[data-testid=drill-mistake][data-signal=asked_card_in_chat]";
        assert!(console.exists(mistake).await?, "the mistake is named");
        let explained = console.text(mistake).await?;
        assert!(
            explained.contains("Never ask for a card number"),
            "{explained}"
        );
        console.screenshot("drill-failed-en").await?;

        // The overview in English, then Spanish, then Spanish in the dark theme.
        // The Training tab, chosen again, goes back to the overview.
        console.click("[data-testid=area-training]").await?;
        console.wait_for("[data-testid=lesson-row]", WAIT).await?;
        console.screenshot("overview-en").await?;
        console
            .client()
            .execute(
                "const s = document.querySelector('[data-testid=language]');\
                 s.value = 'es'; s.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![],
            )
            .await?;
        console
            .wait_text("[data-testid=area-training]", |t| t == "Formación")
            .await?;
        console.screenshot("overview-es").await?;
        open_lesson(console, &lesson).await?;
        console.wait_for("[data-testid=question]", WAIT).await?;
        console.screenshot("lesson-es").await?;
        // The quiz again in Spanish (a retake counts like any attempt), then the card drill.
        answer(console, &answers_es).await?;
        console.click("[data-testid=submit-quiz]").await?;
        console.wait_for("[data-testid=quiz-result]", WAIT).await?;
        assert_eq!(
            attribute(console, "[data-testid=quiz-result]", "data-passed").await?,
            "true"
        );
        console.screenshot("quiz-result-es").await?;
        open_lesson(console, drill_lesson).await?;
        console.click("[data-testid=open-drill]").await?;
        console.click("[data-testid=start-drill]").await?;
        run_drill(console, "secure-form").await?;
        console.screenshot("drill-passed-es").await?;
        open_lesson(console, &lesson).await?;
        console.wait_for("[data-testid=question]", WAIT).await?;
        console.click("[data-testid=theme-toggle]").await?;
        console.click("[data-testid=lesson-back]").await?;
        console.wait_for("[data-testid=lesson-row]", WAIT).await?;
        console.screenshot("overview-es-dark").await?;

        // The trainer, signed in on the same console, sees the pass on the dashboard.
        console.click("[data-testid=sign-out]").await?;
        console.wait_for("[data-testid=username]", WAIT).await?;
        sign_in_as(console, &trainer).await?;
        console.click("[data-testid=area-trainer]").await?;
        console.click("[data-testid=trainer-tab-dashboard]").await?;
        let passed = format!(
            "[data-testid=dashboard-row][data-username='{}'] td[data-lesson='{lesson}'][data-state=current]",
            newcomer.username()
        );
        console.wait_for(&passed, WAIT).await?;
        console.screenshot("trainer-dashboard-es-dark").await?;
        Ok(())
    })
    .await
}
