/**
 * The words Rapport itself puts in front of respondents (response pages and survey emails). Question texts
 * are the team's own and never pass through here. English is the reference: every other locale must
 * carry every key (the type checker enforces it).
 */
export const LOCALES = ['en', 'fr', 'de', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  optional: '(optional)',
  send: 'Send',
  from: 'From {sender} at {workspace}',
  fromSender: 'From {sender}',
  answerTitle: '{title} — {workspace}',
  yes: 'Yes',
  no: 'No',
  csat1: 'Very unsatisfied',
  csat2: 'Unsatisfied',
  csat3: 'Neutral',
  csat4: 'Satisfied',
  csat5: 'Very satisfied',
  npsLow: 'Not at all likely',
  npsHigh: 'Extremely likely',
  cesLow: 'Very difficult',
  cesHigh: 'Very easy',
  ratingLow: 'Poor',
  ratingHigh: 'Excellent',
  chooseAny: 'Choose all that apply.',
  autoSaved: 'Your score is saved. Add a few words below if you like, then tap Send.',
  tapToConfirm: 'Tap Send to confirm your answer.',
  saved: 'Saved.',
  savedMore: 'Your answer is saved. One more question, if you have a moment:',
  answered: 'You already answered. You can change your answer and send it again.',
  checkAnswer: 'Please check your answer.',
  chooseScore: 'Choose a score.',
  scoreRange: 'Choose a score from {lo} to {hi}.',
  chooseOption: 'Choose one of the options shown.',
  answerThis: 'Please answer this question.',
  tooLong: 'Please keep your answer under {max} characters.',
  thanksTitle: 'Thank you!',
  thanksReads: '{sender} reads every answer.',
  editAnswer: 'Changed your mind? Edit your answer.',
  backTo: 'Back to {workspace}',
  unsubTitle: 'Stop survey emails?',
  unsubBody: 'You will no longer receive surveys from {workspace}.',
  unsubButton: 'Unsubscribe',
  unsubDoneTitle: 'You are unsubscribed',
  unsubDoneBody: '{workspace} will not send you surveys any more.',
  notFoundTitle: 'This link does not work',
  notFoundBody:
    'Check that you opened the whole link from the email. If it still does not work, simply reply to the email instead.',
  goneTitle: 'This survey has closed',
  goneBody:
    'Thank you for wanting to answer. This survey no longer takes answers; you can simply reply to the email instead.',
  tooLargeTitle: 'Please shorten your answer',
  tooLargeBody: 'That was more than we accept in one go. Shorten it and try again.',
  tooManyTitle: 'Please wait a moment',
  tooManyBody: 'We received many requests from your connection. Try again in a minute.',
  errorTitle: 'Something went wrong',
  errorBody: 'Something broke on our side. Your answer is safe; please try again in a moment.',
  badRequestBody: 'We could not read that request. Reload the page and try again.',
  notSavedTitle: 'Your answer is not saved yet',
  notSavedBody:
    'We could not reach our database just now, so your answer has not been saved yet. It is still here: tap Send to try again.',
  notSavedRetry: 'We will try again by ourselves in a few seconds.',
  emailAnswer: 'Answer the survey',
  emailPickHint: 'Tap a number to answer. It takes ten seconds.',
  emailReminder: 'A quick reminder, in case this got buried.',
  emailReminderSubject: 'Reminder: {title}',
  emailWhy: 'You receive this because you are a customer of {workspace}.',
  emailUnsubscribe: 'Unsubscribe',
  emailHello: 'Hi {name},',
  emailUpdateSubject: 'You told us — here is what we did',
  emailUpdateWhy: 'You receive this because you told {workspace} about it in a survey.',
  emailLastTime: 'Last time, you told us what you thought. {name} writes: “{line}”',
};
export type MessageKey = keyof typeof en;

/**
 * Whether a sender's name already says where they are from ("Valeria at Acme", "Acme Support"): then the
 * page reads "From Valeria at Acme", never "From Valeria at Acme at Acme Analytics".
 */
export function senderNamesWorkspace(sender: string, workspace: string): boolean {
  const s = sender.toLowerCase();
  const firstWord = workspace.toLowerCase().split(/\s+/)[0] ?? '';
  return (
    s.includes(workspace.toLowerCase()) || (firstWord.length >= 3 && s.includes(firstWord)) || /\s(at|@)\s/.test(s)
  );
}

/** How an email is signed: "Sam Lee, Acme", or the sender alone when their name already says the workspace. */
export const signOff = (sender: string, workspace: string) =>
  senderNamesWorkspace(sender, workspace) ? sender : `${sender}, ${workspace}`;
type Catalog = Record<MessageKey, string>;

const fr: Catalog = {
  optional: '(facultatif)',
  send: 'Envoyer',
  from: 'De la part de {sender}, {workspace}',
  fromSender: 'De la part de {sender}',
  answerTitle: '{title} — {workspace}',
  yes: 'Oui',
  no: 'Non',
  csat1: 'Très insatisfait',
  csat2: 'Insatisfait',
  csat3: 'Neutre',
  csat4: 'Satisfait',
  csat5: 'Très satisfait',
  npsLow: 'Pas du tout probable',
  npsHigh: 'Très probable',
  cesLow: 'Très difficile',
  cesHigh: 'Très facile',
  ratingLow: 'Mauvais',
  ratingHigh: 'Excellent',
  chooseAny: 'Choisissez toutes les réponses qui conviennent.',
  autoSaved: 'Votre note est enregistrée. Ajoutez quelques mots ci-dessous si vous le souhaitez, puis touchez Envoyer.',
  tapToConfirm: 'Touchez Envoyer pour confirmer votre réponse.',
  saved: 'Enregistré.',
  savedMore: 'Votre réponse est enregistrée. Encore une question, si vous avez un instant :',
  answered: 'Vous avez déjà répondu. Vous pouvez modifier votre réponse et l’envoyer de nouveau.',
  checkAnswer: 'Veuillez vérifier votre réponse.',
  chooseScore: 'Choisissez une note.',
  scoreRange: 'Choisissez une note de {lo} à {hi}.',
  chooseOption: 'Choisissez l’une des options proposées.',
  answerThis: 'Veuillez répondre à cette question.',
  tooLong: 'Veuillez limiter votre réponse à {max} caractères.',
  thanksTitle: 'Merci !',
  thanksReads: '{sender} lit chaque réponse.',
  editAnswer: 'Vous avez changé d’avis ? Modifiez votre réponse.',
  backTo: 'Retour à {workspace}',
  unsubTitle: 'Ne plus recevoir d’enquêtes ?',
  unsubBody: 'Vous ne recevrez plus d’enquêtes de {workspace}.',
  unsubButton: 'Se désabonner',
  unsubDoneTitle: 'Vous êtes désabonné',
  unsubDoneBody: '{workspace} ne vous enverra plus d’enquêtes.',
  notFoundTitle: 'Ce lien ne fonctionne pas',
  notFoundBody: 'Vérifiez que vous avez ouvert le lien complet de l’e-mail. Sinon, répondez simplement à l’e-mail.',
  goneTitle: 'Cette enquête est terminée',
  goneBody:
    'Merci d’avoir voulu répondre. Cette enquête n’accepte plus de réponses ; vous pouvez simplement répondre à l’e-mail.',
  tooLargeTitle: 'Veuillez raccourcir votre réponse',
  tooLargeBody: 'C’est plus que ce que nous acceptons en une fois. Raccourcissez et réessayez.',
  tooManyTitle: 'Veuillez patienter un instant',
  tooManyBody: 'Nous avons reçu beaucoup de demandes depuis votre connexion. Réessayez dans une minute.',
  errorTitle: 'Une erreur est survenue',
  errorBody: 'Un problème est survenu de notre côté. Votre réponse est en sécurité ; réessayez dans un instant.',
  badRequestBody: 'Nous n’avons pas pu lire cette demande. Rechargez la page et réessayez.',
  notSavedTitle: 'Votre réponse n’est pas encore enregistrée',
  notSavedBody:
    'Nous n’avons pas pu joindre notre base de données, votre réponse n’est donc pas encore enregistrée. Elle est toujours là : touchez Envoyer pour réessayer.',
  notSavedRetry: 'Nous réessaierons nous-mêmes dans quelques secondes.',
  emailAnswer: 'Répondre à l’enquête',
  emailPickHint: 'Touchez un chiffre pour répondre. Cela prend dix secondes.',
  emailReminder: 'Un petit rappel, au cas où ce message se serait perdu.',
  emailReminderSubject: 'Rappel : {title}',
  emailWhy: 'Vous recevez ce message parce que vous êtes client de {workspace}.',
  emailUnsubscribe: 'Se désabonner',
  emailHello: 'Bonjour {name},',
  emailUpdateSubject: 'Vous nous l’aviez dit — voici ce que nous avons fait',
  emailUpdateWhy: 'Vous recevez ce message car vous en aviez parlé à {workspace} dans une enquête.',
  emailLastTime: 'La dernière fois, vous nous avez dit ce que vous pensiez. {name} vous écrit : « {line} »',
};

const de: Catalog = {
  optional: '(optional)',
  send: 'Senden',
  from: 'Von {sender}, {workspace}',
  fromSender: 'Von {sender}',
  answerTitle: '{title} — {workspace}',
  yes: 'Ja',
  no: 'Nein',
  csat1: 'Sehr unzufrieden',
  csat2: 'Unzufrieden',
  csat3: 'Neutral',
  csat4: 'Zufrieden',
  csat5: 'Sehr zufrieden',
  npsLow: 'Sehr unwahrscheinlich',
  npsHigh: 'Sehr wahrscheinlich',
  cesLow: 'Sehr schwierig',
  cesHigh: 'Sehr einfach',
  ratingLow: 'Schlecht',
  ratingHigh: 'Ausgezeichnet',
  chooseAny: 'Wählen Sie alles Zutreffende.',
  autoSaved: 'Ihre Bewertung ist gespeichert. Ergänzen Sie gern ein paar Worte und tippen Sie dann auf Senden.',
  tapToConfirm: 'Tippen Sie auf Senden, um Ihre Antwort zu bestätigen.',
  saved: 'Gespeichert.',
  savedMore: 'Ihre Antwort ist gespeichert. Noch eine Frage, wenn Sie einen Moment haben:',
  answered: 'Sie haben bereits geantwortet. Sie können Ihre Antwort ändern und erneut senden.',
  checkAnswer: 'Bitte prüfen Sie Ihre Antwort.',
  chooseScore: 'Wählen Sie eine Bewertung.',
  scoreRange: 'Wählen Sie eine Bewertung von {lo} bis {hi}.',
  chooseOption: 'Wählen Sie eine der angezeigten Möglichkeiten.',
  answerThis: 'Bitte beantworten Sie diese Frage.',
  tooLong: 'Bitte halten Sie Ihre Antwort unter {max} Zeichen.',
  thanksTitle: 'Vielen Dank!',
  thanksReads: '{sender} liest jede Antwort.',
  editAnswer: 'Meinung geändert? Antwort bearbeiten.',
  backTo: 'Zurück zu {workspace}',
  unsubTitle: 'Keine Umfragen mehr erhalten?',
  unsubBody: 'Sie erhalten keine Umfragen mehr von {workspace}.',
  unsubButton: 'Abmelden',
  unsubDoneTitle: 'Sie sind abgemeldet',
  unsubDoneBody: '{workspace} sendet Ihnen keine Umfragen mehr.',
  notFoundTitle: 'Dieser Link funktioniert nicht',
  notFoundBody:
    'Prüfen Sie, ob Sie den vollständigen Link aus der E-Mail geöffnet haben. Sonst antworten Sie einfach auf die E-Mail.',
  goneTitle: 'Diese Umfrage ist beendet',
  goneBody:
    'Danke, dass Sie antworten wollten. Diese Umfrage nimmt keine Antworten mehr an; Sie können einfach auf die E-Mail antworten.',
  tooLargeTitle: 'Bitte kürzen Sie Ihre Antwort',
  tooLargeBody: 'Das ist mehr, als wir auf einmal annehmen. Bitte kürzen und erneut versuchen.',
  tooManyTitle: 'Bitte warten Sie einen Moment',
  tooManyBody: 'Wir haben viele Anfragen von Ihrer Verbindung erhalten. Versuchen Sie es in einer Minute erneut.',
  errorTitle: 'Etwas ist schiefgelaufen',
  errorBody: 'Bei uns ist ein Fehler aufgetreten. Ihre Antwort ist sicher; bitte versuchen Sie es gleich noch einmal.',
  badRequestBody: 'Wir konnten diese Anfrage nicht lesen. Laden Sie die Seite neu und versuchen Sie es erneut.',
  notSavedTitle: 'Ihre Antwort ist noch nicht gespeichert',
  notSavedBody:
    'Wir konnten unsere Datenbank gerade nicht erreichen, daher ist Ihre Antwort noch nicht gespeichert. Sie ist noch da: Tippen Sie auf Senden, um es erneut zu versuchen.',
  notSavedRetry: 'Wir versuchen es in wenigen Sekunden selbst noch einmal.',
  emailAnswer: 'Zur Umfrage',
  emailPickHint: 'Tippen Sie auf eine Zahl, um zu antworten. Es dauert zehn Sekunden.',
  emailReminder: 'Eine kurze Erinnerung, falls diese Nachricht untergegangen ist.',
  emailReminderSubject: 'Erinnerung: {title}',
  emailWhy: 'Sie erhalten diese Nachricht, weil Sie Kunde von {workspace} sind.',
  emailUnsubscribe: 'Abmelden',
  emailHello: 'Hallo {name},',
  emailUpdateSubject: 'Sie haben es uns gesagt — das haben wir getan',
  emailUpdateWhy: 'Sie erhalten diese Nachricht, weil Sie {workspace} in einer Umfrage davon erzählt haben.',
  emailLastTime: 'Letztes Mal haben Sie uns Ihre Meinung gesagt. {name} schreibt: „{line}“',
};

const es: Catalog = {
  optional: '(opcional)',
  send: 'Enviar',
  from: 'De {sender}, {workspace}',
  fromSender: 'De {sender}',
  answerTitle: '{title} — {workspace}',
  yes: 'Sí',
  no: 'No',
  csat1: 'Muy insatisfecho',
  csat2: 'Insatisfecho',
  csat3: 'Neutral',
  csat4: 'Satisfecho',
  csat5: 'Muy satisfecho',
  npsLow: 'Nada probable',
  npsHigh: 'Muy probable',
  cesLow: 'Muy difícil',
  cesHigh: 'Muy fácil',
  ratingLow: 'Malo',
  ratingHigh: 'Excelente',
  chooseAny: 'Elija todas las que correspondan.',
  autoSaved: 'Su puntuación está guardada. Añada unas palabras abajo si quiere y toque Enviar.',
  tapToConfirm: 'Toque Enviar para confirmar su respuesta.',
  saved: 'Guardado.',
  savedMore: 'Su respuesta está guardada. Una pregunta más, si tiene un momento:',
  answered: 'Ya respondió. Puede cambiar su respuesta y enviarla de nuevo.',
  checkAnswer: 'Revise su respuesta, por favor.',
  chooseScore: 'Elija una puntuación.',
  scoreRange: 'Elija una puntuación de {lo} a {hi}.',
  chooseOption: 'Elija una de las opciones mostradas.',
  answerThis: 'Responda a esta pregunta, por favor.',
  tooLong: 'Mantenga su respuesta por debajo de {max} caracteres, por favor.',
  thanksTitle: '¡Gracias!',
  thanksReads: '{sender} lee cada respuesta.',
  editAnswer: '¿Cambió de opinión? Edite su respuesta.',
  backTo: 'Volver a {workspace}',
  unsubTitle: '¿Dejar de recibir encuestas?',
  unsubBody: 'Ya no recibirá encuestas de {workspace}.',
  unsubButton: 'Darse de baja',
  unsubDoneTitle: 'Se ha dado de baja',
  unsubDoneBody: '{workspace} ya no le enviará encuestas.',
  notFoundTitle: 'Este enlace no funciona',
  notFoundBody:
    'Compruebe que abrió el enlace completo del correo. Si sigue sin funcionar, simplemente responda al correo.',
  goneTitle: 'Esta encuesta ha terminado',
  goneBody:
    'Gracias por querer responder. Esta encuesta ya no acepta respuestas; puede simplemente responder al correo.',
  tooLargeTitle: 'Acorte su respuesta, por favor',
  tooLargeBody: 'Es más de lo que aceptamos de una vez. Acórtelo e inténtelo de nuevo.',
  tooManyTitle: 'Espere un momento, por favor',
  tooManyBody: 'Recibimos muchas solicitudes desde su conexión. Inténtelo de nuevo en un minuto.',
  errorTitle: 'Algo salió mal',
  errorBody: 'Algo falló por nuestra parte. Su respuesta está a salvo; inténtelo de nuevo en un momento.',
  badRequestBody: 'No pudimos leer esa solicitud. Recargue la página e inténtelo de nuevo.',
  notSavedTitle: 'Su respuesta aún no se ha guardado',
  notSavedBody:
    'No pudimos acceder a nuestra base de datos en este momento, así que su respuesta aún no se ha guardado. Sigue aquí: toque Enviar para intentarlo de nuevo.',
  notSavedRetry: 'Lo volveremos a intentar nosotros mismos en unos segundos.',
  emailAnswer: 'Responder a la encuesta',
  emailPickHint: 'Toque un número para responder. Son diez segundos.',
  emailReminder: 'Un breve recordatorio, por si este mensaje quedó enterrado.',
  emailReminderSubject: 'Recordatorio: {title}',
  emailWhy: 'Recibe este mensaje porque es cliente de {workspace}.',
  emailUnsubscribe: 'Darse de baja',
  emailHello: 'Hola, {name}:',
  emailUpdateSubject: 'Nos lo dijo: esto es lo que hicimos',
  emailUpdateWhy: 'Recibe este mensaje porque se lo contó a {workspace} en una encuesta.',
  emailLastTime: 'La última vez nos contó lo que pensaba. {name} le escribe: «{line}»',
};

const CATALOGS: Record<Locale, Catalog> = { en, fr, de, es };

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/** The contact's own locale ("fr-CA" counts as French) wins over the survey's language; English last. */
export function pickLocale(...preferences: (string | null | undefined)[]): Locale {
  for (const p of preferences) {
    const lang = p?.toLowerCase().split(/[-_]/)[0];
    if (isLocale(lang)) return lang;
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const catalog = CATALOGS[locale];
  return (key, params) => {
    const text = catalog[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}
