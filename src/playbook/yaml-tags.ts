// YAML tags Ansible defines that our readers must accept.
import type { ScalarTag } from 'yaml'

/** `!unsafe`: a string Ansible never templates. */
export const UNSAFE_TAG: ScalarTag = {
  tag: '!unsafe',
  identify: () => false,
  resolve: (s: string) => s
}

/** `!vault`: an encrypted string (validate reads it as text). */
export const VAULT_TAG: ScalarTag = {
  tag: '!vault',
  identify: () => false,
  resolve: (s: string) => s
}

export const ANSIBLE_TAGS: ScalarTag[] = [UNSAFE_TAG, VAULT_TAG]
