import type { Lang } from './content';

/**
 * The demo company's team and customers. Every address is under a reserved domain (RFC 2606: example.com,
 * .example), so even an instance with a real SMTP_URL can never email a real person about demo data.
 */
/** Names as one line each: prettier would give every name a line of its own. */
const words = (line: string) => line.split(' ');

export const COMPANY = {
  name: 'Lumen Bikes',
  senderName: 'Lumen Bikes',
  postalAddress: 'Lumen Bikes Ltd, 14 Canal Street, Manchester M1 3HE, United Kingdom',
};

export const OWNER = { name: 'Maya Lindqvist', email: 'demo@rapport.localhost' };

/** Teammates who own the customers of their market and answer them in their language. */
export const TEAM: { key: string; name: string; email: string; role: 'admin' | 'member'; lang: Lang }[] = [
  { key: 'sam', name: 'Sam Okafor', email: 'sam.okafor@lumen-bikes.example', role: 'admin', lang: 'en' },
  { key: 'elodie', name: 'Élodie Marchand', email: 'elodie.marchand@lumen-bikes.example', role: 'member', lang: 'fr' },
  { key: 'jonas', name: 'Jonas Weber', email: 'jonas.weber@lumen-bikes.example', role: 'member', lang: 'de' },
  { key: 'lucia', name: 'Lucía Romero', email: 'lucia.romero@lumen-bikes.example', role: 'member', lang: 'es' },
];

export const MARKETS: Record<Lang, { market: string; countries: [string, string[]][] }> = {
  en: {
    market: 'UK',
    countries: [
      ['GB', ['London', 'Manchester', 'Bristol', 'Leeds', 'Edinburgh', 'Brighton']],
      ['IE', ['Dublin', 'Cork', 'Galway']],
    ],
  },
  fr: {
    market: 'France',
    countries: [
      ['FR', ['Paris', 'Lyon', 'Nantes', 'Bordeaux', 'Lille', 'Strasbourg']],
      ['BE', ['Bruxelles', 'Liège']],
    ],
  },
  de: {
    market: 'DACH',
    countries: [
      ['DE', ['Berlin', 'Hamburg', 'München', 'Köln', 'Leipzig', 'Freiburg']],
      ['AT', ['Wien', 'Graz']],
      ['CH', ['Zürich', 'Basel']],
    ],
  },
  es: {
    market: 'Spain',
    countries: [['ES', ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao', 'Málaga', 'Zaragoza']]],
  },
};

export const FIRST_NAMES: Record<Lang, string[]> = {
  en: words(
    `Olivia James Amelia Harry Isla Noah Grace Oscar Freya Arthur Priya Liam Chloe Tom Niamh Ciarán Aisha Daniel Hannah Kwame Ruby Ethan Zara George`,
  ),
  fr: words(
    `Camille Louis Léa Hugo Chloé Lucas Manon Jules Inès Arthur Sarah Nathan Zoé Théo Juliette Mathis Clémence Yanis Margaux Antoine Amira Baptiste`,
  ),
  de: words(
    `Lena Lukas Anna Felix Mia Jonas Laura Paul Sophie Maximilian Hannah Tim Lea Niklas Marie Jan Katharina Emre Johanna Moritz Clara Florian`,
  ),
  es: words(
    `Lucía Hugo Martina Pablo Sofía Álvaro Paula Javier Carmen Diego Elena Marcos Alba Sergio Irene Adrián Nerea Iker Claudia Raúl Noelia Mateo`,
  ),
};

export const LAST_NAMES: Record<Lang, string[]> = {
  en: words(
    `Smith Patel Jones Murphy Taylor Brown Walsh Evans Wilson Khan Roberts Byrne Hughes Clarke O'Brien Mensah Wright Green Hall Campbell`,
  ),
  fr: words(
    `Martin Bernard Dubois Moreau Laurent Lefèvre Girard Roux Fournier Mercier Benali Faure Rousseau Blanc Guérin Muller Henry Perrin Morel Chevalier`,
  ),
  de: words(
    `Müller Schmidt Schneider Fischer Meyer Wagner Becker Schulz Hoffmann Koch Yılmaz Richter Klein Wolf Schröder Neumann Braun Zimmermann Hartmann Krüger`,
  ),
  es: words(
    `García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres`,
  ),
};

/** "Lefèvre" → "lefevre": addresses in plain ASCII, as most people's are. */
export const asciiSlug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
