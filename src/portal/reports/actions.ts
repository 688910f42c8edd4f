// What to do about a finding, in plain words: the project's own table of
// threat classes, matched on a detection's category (CEF cat or attack
// phase, LEEF malType or ptype), then on its name. The first class that
// matches wins; "other" catches the rest, so every finding has an action.

export interface ThreatClass {
  name: string;
  /** Tried against the category, then the threat's name, lower case. */
  match: RegExp;
  action: string;
}

export const THREAT_CLASSES: readonly ThreatClass[] = [
  {
    name: 'ransomware',
    match: /ransom|crypt(o|or)lock/,
    action: 'Disconnect the host at once, keep it powered for the investigation, and restore its data from a backup taken before the first detection.',
  },
  {
    name: 'command and control',
    match: /command and control|c&c|\bc2\b|callback|botnet/,
    action: 'Isolate the host, find the process that made the connection and reimage the host; block the callback address at the firewall and the proxy.',
  },
  {
    name: 'exfiltration',
    match: /exfiltrat|data theft|leak/,
    action: 'Find what left the network from the host and where to; block the destination and tell the data\'s owner.',
  },
  {
    name: 'lateral movement',
    match: /lateral|asset and data discovery|discovery|brute|password guess/,
    action: 'Someone inside is probing other hosts: check the source host for a compromise and the accounts it used for misuse; reset those passwords.',
  },
  {
    name: 'exploit',
    match: /exploit|vulnerab|cve-|overflow|injection/,
    action: 'Patch the targeted service or host; until then, block the traffic pattern with an intrusion-prevention filter.',
  },
  {
    name: 'phishing',
    match: /phish|email_detection|attachment_detection|url_detection|spam|social engineering/,
    action: 'Remove the message from the mailboxes it reached, block the sender and the URLs it carried, and warn the recipients.',
  },
  {
    name: 'malware',
    match: /malware|trojan|troj_|virus|worm|spyware|tspy_|backdoor|bkdr_|rootkit|point of entry|file/,
    action: 'Scan the host with up-to-date signatures, quarantine what is found, and find how the file arrived (mail, web download, removable media).',
  },
  {
    name: 'grayware',
    match: /grayware|adware|disruptive|p2p|peer-to-peer|tor\b|proxy|application/,
    action: 'The software breaks policy rather than attacks: remove it from the host, or allow it explicitly if the business needs it.',
  },
  {
    name: 'suspicious network activity',
    match: /network|scan|unusual|anomal|protocol|service detected/,
    action: 'Review the traffic with the host\'s owner; a service nobody expects there is closed or blocked.',
  },
  {
    name: 'other',
    match: /.*/,
    action: 'Review the detections with the host\'s owner and decide whether the activity is expected.',
  },
];

const SPECIFIC = THREAT_CLASSES.slice(0, -1);

/** "network" is what the parser calls an event that names no category: its name says more. */
export function classOf(category: string, threat: string): ThreatClass {
  const c = category.toLowerCase();
  const t = threat.toLowerCase();
  const tries = c === 'network' ? [t, c] : [c, t];
  for (const s of tries) {
    const k = SPECIFIC.find((x) => x.match.test(s));
    if (k) return k;
  }
  return THREAT_CLASSES.at(-1)!;
}

/** Actions about the appliances themselves: the report's data is only as good as what arrives. */
export const FLEET_ACTIONS = {
  dropped: 'The appliance\'s spool filled and it discarded records: check its uplink to the log server, shorten its upload interval or give its spool more room.',
  missing: 'Records never arrived although later ones did: check the appliance\'s upload log for failed batches; it resends what its spool still holds.',
  silent: 'Check that the appliance is powered and that it can reach the status server (network, proxy, firewall).',
} as const;
