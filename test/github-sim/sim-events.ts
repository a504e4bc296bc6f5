import type { SimComment, SimLabel, SimRepo, SimUser } from "./model.js";

/**
 * A change of state GitHub would announce with a webhook. The webhook module renders payloads from
 * these at the moment they happen, so a later change does not leak into an earlier delivery.
 */
export type SimEvent =
  | {
      name: "pull_request";
      action: "opened" | "synchronize" | "labeled" | "unlabeled" | "closed" | "reopened" | "edited";
      repo: SimRepo;
      number: number;
      sender: SimUser;
      label?: SimLabel;
      before?: string;
      after?: string;
    }
  | {
      name: "issues";
      action: "opened" | "closed" | "reopened" | "edited" | "labeled" | "unlabeled";
      repo: SimRepo;
      number: number;
      sender: SimUser;
      label?: SimLabel;
    }
  | {
      name: "issue_comment";
      action: "created" | "edited" | "deleted";
      repo: SimRepo;
      number: number;
      comment: SimComment;
      sender: SimUser;
    }
  | {
      name: "workflow_run";
      action: "requested" | "in_progress" | "completed";
      repo: SimRepo;
      runId: number;
      sender: SimUser;
    }
  | { name: "push"; repo: SimRepo; ref: string; before: string; after: string; sender: SimUser }
  | { name: "check_run"; action: "created" | "completed"; repo: SimRepo; checkRunId: number; sender: SimUser }
  | { name: "deployment"; action: "created"; repo: SimRepo; deploymentId: number; sender: SimUser }
  | {
      name: "deployment_status";
      action: "created";
      repo: SimRepo;
      deploymentId: number;
      statusId: number;
      sender: SimUser;
    };

export type SimEventListener = (event: SimEvent) => void;
