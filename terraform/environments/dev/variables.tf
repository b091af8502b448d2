# What an operator sets per project (terraform.tfvars, or -var from the deploy workflow). Validation
# and the full description of each lives in modules/stack/variables.tf; the environment's fixed
# settings are in main.tf.

variable "project_id" {
  description = "Google Cloud project of this environment (one project per environment)."
  type        = string
}

variable "region" {
  description = "Region of every regional resource; it must offer Cloud Run L4 GPUs for the model server."
  type        = string
  default     = "europe-west1"
}

variable "image" {
  description = "vigil container image with a tag or digest; the deploy workflow passes it."
  type        = string
}

variable "firestore_database_id" {
  description = "Firestore database id (VIGIL_FIRESTORE_DATABASE); set another if the project already has a (default) database."
  type        = string
  default     = "(default)"
}

variable "firestore_location" {
  description = "Firestore location, a multi-region (eur3, nam5) or a region."
  type        = string
  default     = "eur3"
}

variable "cors_origins" {
  description = "VIGIL_CORS_ORIGINS of the detectors: browser origins allowed to call them."
  type        = list(string)
  default     = []
}

variable "model_server" {
  description = "GPU model server (enable once the project has Cloud Run L4 quota); unset attributes take the stack's defaults."
  type = object({
    enabled           = optional(bool)
    image             = optional(string)
    min_instances     = optional(number)
    max_instances     = optional(number)
    hate_speech_model = optional(string)
  })
  default = {}
}

variable "alert_emails" {
  description = "E-mail addresses that receive alerts."
  type        = list(string)
  default     = []
}

variable "alert_channel_ids" {
  description = "Existing Cloud Monitoring notification channels (projects/<p>/notificationChannels/<id>) that receive alerts."
  type        = list(string)
  default     = []
}
