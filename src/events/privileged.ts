/**
 * The privileged/sensitive actions list: glob patterns on the normalized action, matched
 * case-insensitively (`*` is any run of characters, `?` one character, `{a,b}` either).
 * Compiled once into a single regular expression, so the hot path is one `test` per event.
 */

/** Shipped defaults: identity and access management, audit-trail tampering, K8s RBAC/secrets, GitHub admin, DDL. */
export const DEFAULT_PRIVILEGED_ACTIONS: readonly string[] = [
  // AWS IAM and STS: anything that creates, changes or hands out credentials or permissions.
  'iam:{create,delete,put,attach,detach,update,add,remove,set,upload,tag,untag,enable,deactivate,change,reset}*',
  'iam:passrole',
  'sts:getfederationtoken',
  'organizations:{create,delete,leave,remove,invite,move,attach,detach,update,disable,enable}*',
  'cloudtrail:{stoplogging,deletetrail,updatetrail,puteventselectors,putinsightselectors}',
  'config:{stopconfigurationrecorder,deleteconfigurationrecorder,deletedeliverychannel}',
  'guardduty:{delete,disassociate,stopmonitoringmembers,updatedetector}*',
  'kms:{schedulekeydeletion,disablekey,putkeypolicy,creategrant,disablekeyrotation}',
  's3:{putbucketpolicy,deletebucketpolicy,putbucketacl,putbucketpublicaccessblock,deletebucketpublicaccessblock,putaccountpublicaccessblock}',
  'secretsmanager:{getsecretvalue,putsecretvalue,deletesecret,putresourcepolicy}',
  'ec2:{authorizesecuritygroupingress,createkeypair,importkeypair,modifysnapshotattribute,modifyimageattribute}',
  'lambda:addpermission*',
  'sso:{create,delete,attach,put,update}*',
  'ecr:setrepositorypolicy',
  // Kubernetes: RBAC changes, secrets, impersonation, exec into workloads, admission control.
  'k8s:{create,update,patch,delete,deletecollection,escalate,bind}:{roles,rolebindings,clusterroles,clusterrolebindings}',
  'k8s:*:secrets',
  'k8s:impersonate:*',
  'k8s:*:pods/{exec,attach,portforward}',
  'k8s:*:serviceaccounts/token',
  'k8s:*:certificatesigningrequests/approval',
  'k8s:{create,update,patch,delete}:{mutatingwebhookconfigurations,validatingwebhookconfigurations}',
  // GCP: IAM policy changes, service account keys and tokens, audit sinks, KMS destruction.
  '*:*setiampolicy',
  '*:*setiampermissions',
  'iam:*{create,delete,update,undelete,enable,disable,signjwt,signblob,generateaccesstoken,generateidtoken}*',
  'logging:*{deletesink,updatesink,deletebucket,deletelog}',
  'cloudkms:*{destroycryptokeyversion,updatecryptokeyversion}',
  'secretmanager:*accesssecretversion',
  // …and the same calls named by their IAM permission, as the GCP normalizer writes them when the
  // record carries authorizationInfo (docs/formats.md).
  'logging:logging.{sinks,buckets,logs}.{delete,update}',
  'cloudkms:cloudkms.cryptokeyversions.{destroy,update}',
  'secretmanager:secretmanager.versions.access',
  'iamcredentials:*',
  'k8s.io:io.k8s.authorization.rbac.*',
  'k8s.io:io.k8s.core.v1.secrets.*',
  // GitHub: organization/enterprise administration, access, branch protection, security features.
  'github:{org,business,team,hook,integration_installation,oauth_application,personal_access_token,org_credential_authorization,ip_allow_list,ip_allow_list_entry}.*',
  'github:repo.{destroy,transfer,transfer_start,access,add_member,update_member,remove_member}',
  'github:{protected_branch,repository_ruleset,environment}.*',
  'github:*{secret_scanning,dependabot,vulnerability_alerts,code_scanning}*.disable',
  'github:public_key.create',
  // PostgreSQL (pgaudit): DDL, role management and privilege changes.
  'postgres:{create,alter,drop} *',
  'postgres:{grant,revoke,truncate*,reassign owned,security label,alter system}',
];

function globToSource(glob: string): string {
  let out = '';
  let inBraces = false;
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '{') {
      out += '(?:';
      inBraces = true;
    } else if (ch === '}' && inBraces) {
      out += ')';
      inBraces = false;
    } else if (ch === ',' && inBraces) out += '|';
    else out += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return inBraces ? glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : out;
}

const CACHE_LIMIT = 50_000;

export type PrivilegedMatcher = (action: string) => boolean;

/** Compiles patterns into one case-insensitive matcher; an empty list matches nothing. */
export function compilePrivileged(patterns: readonly string[]): PrivilegedMatcher {
  if (patterns.length === 0) return () => false;
  const re = new RegExp(`^(?:${patterns.map(globToSource).join('|')})$`, 'i');
  // Actions are few and repeat endlessly; the regex (dozens of alternatives) is not cheap.
  const cache = new Map<string, boolean>();
  return (action) => {
    let hit = cache.get(action);
    if (hit === undefined) {
      hit = re.test(action);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(action, hit);
    }
    return hit;
  };
}
