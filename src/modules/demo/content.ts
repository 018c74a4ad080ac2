/**
 * What the demo's customers write and what the team answers, in the four languages Rapport speaks. The story
 * behind it: Lumen Bikes rents e-bikes by subscription (bike, servicing, an app). Eight to five months ago a
 * batch of batteries faded early; spares were slow to arrive; the team fixed it and launched a new app. So the
 * dashboards show a dip and a recovery, and the themes show "battery" before they show "app".
 *
 * Each sentence is "topic: text". A comment is one or two sentences of the answer's mood, so the comments
 * repeat no more than real ones do, and the themes count real words.
 */
export type Lang = 'en' | 'fr' | 'de' | 'es';
export const LANGS: Lang[] = ['en', 'fr', 'de', 'es'];
export type Mood = 'unhappy' | 'neutral' | 'happy';

export type Sentence = { topic: string; text: string };
const sentences = (lines: string[]): Sentence[] =>
  lines.map((line) => {
    const cut = line.indexOf(': ');
    return { topic: line.slice(0, cut), text: line.slice(cut + 2) };
  });

/** About the whole relationship (the NPS surveys' "why"). */
export const RELATIONSHIP: Record<Lang, Record<Mood, Sentence[]>> = {
  en: {
    unhappy: sentences([
      'battery: The battery used to last a week of commuting, now it is flat after two days.',
      'battery: Third time this month the battery died halfway up the hill home. Not what I pay for.',
      'battery: I reported the battery problem a month ago and I am still waiting for a replacement.',
      'repair: The repair appointment was cancelled twice with no explanation.',
      'repair: Nobody came to fix the brakes, I had to take it to a local shop and pay myself.',
      'support: Support answers are polite but nothing actually happens afterwards.',
      'support: I waited 40 minutes on the phone just to be told to send an email.',
      'price: The price went up by £10 a month and the bike got worse, not better.',
      'app: The app logs me out every morning and I cannot unlock the bike without it.',
      'delivery: My bike arrived a week late and nobody told me why.',
      'delivery: The courier left the bike outside in the rain with the charger soaked.',
      'billing: I was charged twice in March and it took three emails to get a refund.',
    ]),
    neutral: sentences([
      'ride: The bike itself is great, the service around it is hit and miss.',
      'price: Good value, but the last price rise made me look at buying my own.',
      'app: The new app is better, though unlocking still takes a few tries.',
      'repair: Repairs get done eventually, it just takes longer than it should.',
      'battery: The replacement battery is fine, the wait for it was not.',
      'support: Support is friendly, answers could be quicker.',
      'delivery: Delivery was fine, setup instructions could be clearer.',
      'ride: Does the job for my commute. Nothing to rave about, nothing to complain about.',
      'app: I would like to see my ride history in the app.',
      'price: I would recommend it more if there was a cheaper plan without the insurance.',
    ]),
    happy: sentences([
      'ride: I have not taken the bus once since I got the bike. Love it.',
      'ride: Easiest way across town, and I arrive at work without being sweaty.',
      'support: Sam sorted out my problem in one phone call. Brilliant service.',
      'support: Support actually reads what you write and answers like a human.',
      'repair: The mechanic came to my flat the next morning and swapped the battery in ten minutes.',
      'repair: Servicing included means I never have to think about the bike.',
      'battery: The new battery easily does my 25 km commute all week.',
      'app: The new app is so much faster, unlocking is instant now.',
      'price: Cheaper than my old bus pass and much more fun.',
      'delivery: Bike arrived on time, fully charged, and the courier showed me how everything works.',
      'ride: My kids fight over who gets to ride on the back seat.',
      'ride: Recommended it to three colleagues already.',
    ]),
  },
  fr: {
    unhappy: sentences([
      'batterie: La batterie tenait une semaine, maintenant elle est vide au bout de deux jours.',
      "batterie: J'ai signalé le problème de batterie il y a un mois et j'attends toujours le remplacement.",
      'batterie: Panne de batterie en pleine côte, pour la troisième fois ce mois-ci.',
      'réparation: Le rendez-vous de réparation a été annulé deux fois sans explication.',
      "réparation: Personne n'est venu réparer les freins, j'ai dû aller chez un vélociste à mes frais.",
      'service: Le service client répond poliment mais rien ne se passe ensuite.',
      "service: Quarante minutes d'attente au téléphone pour qu'on me dise d'envoyer un mail.",
      'prix: Le prix a augmenté de 10 € par mois et le vélo ne s’est pas amélioré.',
      "application: L'application me déconnecte tous les matins et je ne peux pas déverrouiller le vélo.",
      'livraison: Mon vélo est arrivé avec une semaine de retard, sans aucune nouvelle.',
      'facturation: Prélevé deux fois en mars, il a fallu trois mails pour être remboursé.',
      'livraison: Le livreur a laissé le vélo dehors sous la pluie, chargeur trempé.',
    ]),
    neutral: sentences([
      'vélo: Le vélo est top, le service autour est inégal.',
      'prix: Bon rapport qualité-prix, mais la dernière hausse me fait hésiter.',
      'application: La nouvelle application est mieux, même si le déverrouillage rate encore parfois.',
      'réparation: Les réparations finissent par être faites, mais ça prend trop de temps.',
      "batterie: La batterie de remplacement fonctionne bien, l'attente beaucoup moins.",
      'service: Le service client est sympathique, les réponses pourraient être plus rapides.',
      'livraison: Livraison correcte, la notice de mise en route pourrait être plus claire.',
      'vélo: Il fait le travail pour aller au bureau, sans plus.',
      "application: J'aimerais voir l'historique de mes trajets dans l'application.",
      "prix: Une formule moins chère sans l'assurance me conviendrait mieux.",
    ]),
    happy: sentences([
      "vélo: Je n'ai plus pris le métro depuis que j'ai le vélo. Un vrai bonheur.",
      "vélo: Le moyen le plus simple de traverser Lyon, et j'arrive au travail sans transpirer.",
      'service: Élodie a réglé mon problème en un seul appel. Service impeccable.',
      'service: Le service client lit vraiment les messages et répond comme un humain.',
      'réparation: Le mécanicien est passé le lendemain matin et a changé la batterie en dix minutes.',
      "réparation: L'entretien inclus, c'est la tranquillité totale.",
      'batterie: La nouvelle batterie tient toute la semaine sans problème.',
      'application: La nouvelle application est bien plus rapide, le déverrouillage est instantané.',
      'prix: Moins cher que mon pass Navigo et bien plus agréable.',
      'livraison: Vélo livré à l’heure, chargé, et le livreur m’a tout expliqué.',
      'vélo: Mes enfants se disputent pour monter sur le siège arrière.',
      "vélo: Je l'ai déjà recommandé à trois collègues.",
    ]),
  },
  de: {
    unhappy: sentences([
      'Akku: Der Akku hielt früher eine Woche, jetzt ist er nach zwei Tagen leer.',
      'Akku: Ich habe das Akkuproblem vor einem Monat gemeldet und warte immer noch auf Ersatz.',
      'Akku: Zum dritten Mal diesen Monat mitten am Berg ohne Akku. Dafür zahle ich nicht.',
      'Reparatur: Der Reparaturtermin wurde zweimal ohne Erklärung abgesagt.',
      'Reparatur: Niemand kam, um die Bremsen zu reparieren, ich musste selbst in die Werkstatt.',
      'Kundenservice: Der Kundenservice ist freundlich, aber danach passiert einfach nichts.',
      'Kundenservice: 40 Minuten in der Warteschleife, nur um zu hören, ich solle eine E-Mail schreiben.',
      'Preis: Der Preis ist um 10 € im Monat gestiegen, das Rad ist nicht besser geworden.',
      'App: Die App meldet mich jeden Morgen ab und ohne sie kann ich das Rad nicht entsperren.',
      'Lieferung: Mein Rad kam eine Woche zu spät und niemand hat Bescheid gesagt.',
      'Abrechnung: Im März wurde doppelt abgebucht, die Erstattung hat drei E-Mails gebraucht.',
      'Lieferung: Der Kurier hat das Rad im Regen vor der Tür stehen lassen.',
    ]),
    neutral: sentences([
      'Fahrrad: Das Rad selbst ist super, der Service drumherum schwankt.',
      'Preis: Gutes Preis-Leistungs-Verhältnis, aber nach der Preiserhöhung überlege ich zu kaufen.',
      'App: Die neue App ist besser, das Entsperren klappt aber nicht immer beim ersten Mal.',
      'Reparatur: Reparaturen werden erledigt, dauern aber länger als nötig.',
      'Akku: Der Ersatzakku ist gut, die Wartezeit darauf war es nicht.',
      'Kundenservice: Der Kundenservice ist nett, könnte aber schneller antworten.',
      'Lieferung: Lieferung in Ordnung, die Anleitung könnte klarer sein.',
      'Fahrrad: Für den Arbeitsweg reicht es. Nicht mehr, nicht weniger.',
      'App: Ich hätte gern meine Fahrten in der App.',
      'Preis: Ein günstigerer Tarif ohne Versicherung wäre schön.',
    ]),
    happy: sentences([
      'Fahrrad: Seit ich das Rad habe, bin ich keinen Tag mehr Bus gefahren.',
      'Fahrrad: Am schnellsten durch die Stadt, und ich komme entspannt im Büro an.',
      'Kundenservice: Jonas hat mein Problem in einem Anruf gelöst. Toller Service.',
      'Kundenservice: Der Kundenservice liest wirklich, was man schreibt, und antwortet wie ein Mensch.',
      'Reparatur: Der Mechaniker kam am nächsten Morgen und hat den Akku in zehn Minuten getauscht.',
      'Reparatur: Wartung inklusive heißt, ich muss mich um nichts kümmern.',
      'Akku: Der neue Akku schafft meine 25 km Arbeitsweg die ganze Woche.',
      'App: Die neue App ist viel schneller, Entsperren geht sofort.',
      'Preis: Günstiger als mein altes Monatsticket und macht viel mehr Spaß.',
      'Lieferung: Pünktlich geliefert, voll geladen, und der Kurier hat mir alles gezeigt.',
      'Fahrrad: Meine Kinder streiten sich um den Kindersitz.',
      'Fahrrad: Habe es schon drei Kollegen empfohlen.',
    ]),
  },
  es: {
    unhappy: sentences([
      'batería: La batería antes duraba una semana y ahora se agota en dos días.',
      'batería: Avisé del problema de la batería hace un mes y sigo esperando el recambio.',
      'batería: Tercera vez este mes que me quedo sin batería a mitad de la cuesta.',
      'reparación: Me cancelaron la cita de reparación dos veces sin ninguna explicación.',
      'reparación: Nadie vino a arreglar los frenos, tuve que llevarla a un taller y pagarlo yo.',
      'atención: En atención al cliente son amables, pero luego no pasa nada.',
      'atención: Cuarenta minutos al teléfono para que me dijeran que mandara un correo.',
      'precio: Subieron el precio 10 € al mes y la bici no ha mejorado nada.',
      'app: La app me cierra la sesión cada mañana y sin ella no puedo desbloquear la bici.',
      'entrega: La bici llegó con una semana de retraso y nadie me avisó.',
      'facturación: Me cobraron dos veces en marzo y necesité tres correos para el reembolso.',
      'entrega: El repartidor dejó la bici fuera bajo la lluvia.',
    ]),
    neutral: sentences([
      'bici: La bici es estupenda, el servicio alrededor va por días.',
      'precio: Buena relación calidad-precio, aunque la última subida me hace dudar.',
      'app: La nueva app va mejor, aunque el desbloqueo a veces falla.',
      'reparación: Las reparaciones se hacen, pero tardan más de lo que deberían.',
      'batería: La batería nueva va bien, la espera no tanto.',
      'atención: La atención es simpática, podrían responder más rápido.',
      'entrega: La entrega bien, las instrucciones podrían ser más claras.',
      'bici: Cumple para ir al trabajo. Ni más ni menos.',
      'app: Me gustaría ver el historial de trayectos en la app.',
      'precio: Un plan más barato sin seguro me vendría mejor.',
    ]),
    happy: sentences([
      'bici: Desde que tengo la bici no he vuelto a coger el metro. Me encanta.',
      'bici: La forma más fácil de cruzar Madrid, y llego al trabajo sin sudar.',
      'atención: Lucía me resolvió el problema en una sola llamada. Un servicio de diez.',
      'atención: En atención al cliente te leen de verdad y responden como personas.',
      'reparación: El mecánico vino a la mañana siguiente y cambió la batería en diez minutos.',
      'reparación: Con el mantenimiento incluido no tengo que preocuparme de nada.',
      'batería: La batería nueva aguanta toda la semana sin problema.',
      'app: La nueva app es mucho más rápida, el desbloqueo es inmediato.',
      'precio: Más barato que el abono transporte y mucho más divertido.',
      'entrega: La bici llegó puntual, cargada, y el repartidor me lo explicó todo.',
      'bici: Mis hijos se pelean por ir en la sillita de atrás.',
      'bici: Ya se la he recomendado a tres compañeros.',
    ]),
  },
};

/** After a support ticket (the English CSAT survey). */
export const SUPPORT_EN: Record<Mood, Sentence[]> = {
  unhappy: sentences([
    'wait: I had to chase three times before anyone answered.',
    'fix: The problem came back the next day, so it was not really fixed.',
    'handover: Every time I wrote, a different person asked me to explain everything again.',
    'fix: I was told a technician would call. Nobody called.',
    'wait: Five days for a reply about a bike I cannot ride is too long.',
    'tone: The answer felt copied and pasted, it did not address my question.',
  ]),
  neutral: sentences([
    'wait: Got there in the end, but it took a while.',
    'fix: Sorted, though I had to send photos twice.',
    'tone: Fine. Nothing special.',
  ]),
  happy: sentences([
    'fix: Fixed on the first call, thank you.',
    'tone: Sam was patient and explained exactly what had happened.',
    'wait: Reply within the hour on a Sunday. Impressive.',
    'fix: The replacement part arrived the next day.',
    'tone: Friendly, clear and quick. Exactly what I needed.',
  ]),
};

/** "What would have made it easier?" (the German CES survey after a repair). */
export const EFFORT_DE: Record<Mood, Sentence[]> = {
  unhappy: sentences([
    'Termin: Ein Online-Kalender für Reparaturtermine statt drei Telefonate.',
    'Termin: Ich musste mir zweimal freinehmen, weil der Mechaniker nicht kam.',
    'Status: Eine Nachricht, wann der Mechaniker kommt, wäre hilfreich gewesen.',
    'Formular: Das Formular für Schäden ist viel zu lang und stürzt am Handy ab.',
    'Status: Niemand konnte mir sagen, wo mein Ersatzteil gerade ist.',
  ]),
  neutral: sentences([
    'Termin: Ein Zeitfenster von zwei statt acht Stunden.',
    'Status: Eine Bestätigung per E-Mail nach der Reparatur.',
  ]),
  happy: sentences([
    'Termin: Nichts, es lief reibungslos.',
    'Status: Die SMS vor dem Besuch war super praktisch.',
    'Termin: Termin online gebucht, am nächsten Tag erledigt.',
  ]),
};

/** The Spanish rating survey's open question about the bike. */
export const BIKE_ES: Record<Mood, Sentence[]> = {
  unhappy: sentences([
    'batería: La autonomía real es la mitad de la anunciada.',
    'frenos: Los frenos chirrían desde la primera semana.',
    'peso: Pesa demasiado para subirla al cuarto piso sin ascensor.',
  ]),
  neutral: sentences(['sillín: El sillín es incómodo en trayectos largos.', 'peso: Buena bici, algo pesada.']),
  happy: sentences([
    'motor: El motor es suave y silencioso, las cuestas ya no existen.',
    'diseño: Preciosa, me paran por la calle para preguntarme por ella.',
    'batería: La batería da para toda la semana.',
  ]),
};

/** The French open question about the new app (launched four months ago). */
export const APP_FR: Record<Mood, Sentence[]> = {
  unhappy: sentences([
    'connexion: Elle me déconnecte sans arrêt, je dois retaper mon mot de passe tous les jours.',
    'déverrouillage: Le déverrouillage par Bluetooth échoue une fois sur trois.',
    'batterie: Elle vide la batterie de mon téléphone.',
  ]),
  neutral: sentences([
    "historique: Pratique, mais il manque l'historique des trajets.",
    "déverrouillage: Plus rapide que l'ancienne, le déverrouillage reste capricieux.",
    "notifications: Trop de notifications, j'aimerais pouvoir les régler.",
  ]),
  happy: sentences([
    'déverrouillage: Enfin une application qui déverrouille le vélo du premier coup !',
    "réparation: Signaler une panne avec une photo, c'est génial.",
    'interface: Claire, rapide et agréable. Rien à redire.',
    "réparation: J'ai pris rendez-vous pour une réparation en deux clics.",
  ]),
};

/** What a teammate writes back: personal, in their language, never a mail merge. `{name}` is the first name. */
export const REPLIES: Record<Lang, Record<'sorry' | 'thanks', string[]>> = {
  en: {
    sorry: [
      "Hi {name}, I'm sorry — that is not the service we promise. I've booked a technician for Thursday morning and added a free month to your account. I'll check in with you on Friday.",
      "Hi {name}, thank you for telling us straight. The replacement battery left our warehouse today; you'll have it by Wednesday. If it's not there, reply here and I'll sort it personally.",
      "Hi {name}, I've looked into your account: you were charged twice, and the refund is on its way (3–5 days). I'm sorry for the hassle of chasing us.",
      "Hi {name}, you're right, and I'm sorry. I've escalated the app log-outs to our developers and will write again as soon as the fix is out.",
    ],
    thanks: [
      'Thank you, {name}! That made the whole team smile. Enjoy the ride.',
      "Thanks so much, {name}. I'll pass this on to our mechanics — they'll be chuffed.",
    ],
  },
  fr: {
    sorry: [
      "Bonjour {name}, je suis désolée, ce n'est pas le service que nous promettons. Un mécanicien passera jeudi matin et je vous ai offert un mois. Je vous recontacte vendredi.",
      'Bonjour {name}, merci de nous l’avoir dit franchement. La batterie de remplacement est partie aujourd’hui, vous l’aurez mercredi. Sinon, répondez-moi directement.',
      'Bonjour {name}, vous avez été prélevé deux fois, le remboursement est en cours (3 à 5 jours). Toutes mes excuses pour ces relances.',
      "Bonjour {name}, vous avez raison. J'ai transmis le problème de déconnexion à nos développeurs et je vous écris dès que la correction est en ligne.",
    ],
    thanks: [
      'Merci beaucoup, {name} ! Toute l’équipe a souri en lisant votre message.',
      'Merci {name}, je transmets à nos mécaniciens, ils seront ravis.',
    ],
  },
  de: {
    sorry: [
      'Hallo {name}, das tut mir leid – so soll es nicht laufen. Ein Mechaniker kommt am Donnerstagvormittag, und ich habe Ihnen einen Monat gutgeschrieben. Ich melde mich am Freitag.',
      'Hallo {name}, danke für die offenen Worte. Der Ersatzakku ist heute rausgegangen und ist bis Mittwoch bei Ihnen. Falls nicht, antworten Sie einfach hier.',
      'Hallo {name}, Sie wurden tatsächlich doppelt belastet, die Erstattung ist unterwegs (3–5 Tage). Entschuldigung für den Aufwand.',
      'Hallo {name}, Sie haben recht. Ich habe die Abmeldungen in der App an unsere Entwickler gegeben und schreibe Ihnen, sobald es behoben ist.',
    ],
    thanks: [
      'Vielen Dank, {name}! Das hat das ganze Team gefreut.',
      'Danke, {name} – ich gebe das an unsere Mechaniker weiter.',
    ],
  },
  es: {
    sorry: [
      'Hola {name}, lo siento mucho, no es el servicio que prometemos. Un mecánico pasará el jueves por la mañana y te he regalado un mes. Te escribo el viernes para ver qué tal.',
      'Hola {name}, gracias por decírnoslo claro. La batería de recambio ha salido hoy y la tendrás el miércoles. Si no llega, respóndeme aquí.',
      'Hola {name}, te cobramos dos veces, el reembolso ya está en camino (3–5 días). Perdona las molestias.',
      'Hola {name}, tienes razón. He pasado el problema de la app a nuestros desarrolladores y te escribo en cuanto esté arreglado.',
    ],
    thanks: [
      '¡Muchas gracias, {name}! Nos has alegrado el día a todo el equipo.',
      'Gracias, {name}, se lo paso a nuestros mecánicos, les encantará.',
    ],
  },
};

/** Internal notes (never emailed): the team talks in English. */
export const NOTES = [
  'Battery batch B-117 again. Added to the recall list.',
  'Called them, no answer. Will try again tomorrow.',
  'Refund issued in the billing tool, ticket #4821.',
  'Technician confirmed for Thursday 9–12.',
  'Long-time customer, worth a call rather than an email.',
  'Same issue as last quarter: see their earlier answer.',
];
