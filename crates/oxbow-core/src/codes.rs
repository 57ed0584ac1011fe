//! Every OX error code oxbow emits, in one table. Codes and categories follow the OX
//! middleware (reference chapter 7, section 2); messages are oxbow's own wording.
//! Add new codes here, grouped by prefix.

use crate::error::{Category::*, ErrorDef};

// --- SES: sessions -------------------------------------------------------------------
pub const SES_MAX_SESSIONS: ErrorDef = ErrorDef::new("SES-0002", TryAgain, "The maximum number of sessions has been reached.");
pub const SES_MAX_USER_SESSIONS: ErrorDef = ErrorDef::new("SES-0007", UserInput, "You have too many open sessions. Please log out of another one first.");
pub const SES_NO_SESSION_PARAM: ErrorDef = ErrorDef::new("SES-0201", Error, "The request contains no session identifier.");
pub const SES_EXPIRED: ErrorDef = ErrorDef::new("SES-0203", TryAgain, "Your session expired. Please login again.");
pub const SES_CONTEXT_LOCKED: ErrorDef = ErrorDef::new("SES-0204", TryAgain, "Your account is currently locked. Please try again later.");
pub const SES_IP_MISMATCH: ErrorDef = ErrorDef::new("SES-0205", PermissionDenied, "Your session was invalidated. Please login again.");
pub const SES_WRONG_SECRET: ErrorDef = ErrorDef::new("SES-0206", TryAgain, "Your session was invalidated. Please try again.");
pub const SES_MAX_CLIENT_SESSIONS: ErrorDef = ErrorDef::new("SES-0207", UserInput, "Too many sessions for client %1$s.");
pub const SES_NO_SERVER_TOKEN: ErrorDef = ErrorDef::new("SES-0210", UserInput, "No session found for the given server token.");
pub const SES_NO_CLIENT_TOKEN: ErrorDef = ErrorDef::new("SES-0211", UserInput, "No session found for the given client token.");

// --- SVL: request level --------------------------------------------------------------
pub const SVL_UNKNOWN_ACTION_SIMPLE: ErrorDef = ErrorDef::new("SVL-0001", Error, "Unknown action: %1$s");
pub const SVL_MISSING_PARAM: ErrorDef = ErrorDef::new("SVL-0002", UserInput, "Missing the following request parameter: %1$s");
pub const SVL_INVALID_COOKIE: ErrorDef = ErrorDef::new("SVL-0003", TryAgain, "Invalid cookie.");
pub const SVL_INVALID_PARAM: ErrorDef = ErrorDef::new("SVL-0004", UserInput, "Invalid parameter: %1$s");
pub const SVL_UNKNOWN_MODULE: ErrorDef = ErrorDef::new("SVL-0007", Error, "Unknown module: %1$s");
pub const SVL_JSON_ERROR: ErrorDef = ErrorDef::new("SVL-0009", Error, "A JSON error occurred: %1$s");
pub const SVL_INVALID_PARAM_VALUE: ErrorDef = ErrorDef::new("SVL-0010", UserInput, "Invalid parameter \"%1$s\": %2$s");
pub const SVL_UNEXPECTED: ErrorDef = ErrorDef::new("SVL-0011", Error, "An error occurred inside the server which prevented it from fulfilling the request.");
pub const SVL_ACTION_DISABLED: ErrorDef = ErrorDef::new("SVL-0015", PermissionDenied, "The action \"%1$s\" is disabled.");
pub const SVL_NO_MODULE_PERMISSION: ErrorDef = ErrorDef::new("SVL-0016", PermissionDenied, "You have no permission for module %1$s.");
pub const SVL_CONFLICT: ErrorDef = ErrorDef::new("SVL-0017", Conflict, "The object has been changed in the meantime.");
pub const SVL_TOO_MANY_REQUESTS: ErrorDef = ErrorDef::new("SVL-0019", TryAgain, "Too many concurrent requests. Please try again later.");
pub const SVL_BAD_REQUEST: ErrorDef = ErrorDef::new("SVL-0020", UserInput, "Bad request: %1$s");
pub const SVL_UNKNOWN_ACTION: ErrorDef = ErrorDef::new("SVL-0021", UserInput, "Unknown AJAX action %1$s in module %2$s.");
pub const SVL_MISSING_BODY: ErrorDef = ErrorDef::new("SVL-0023", UserInput, "The request body is missing.");
pub const SVL_BODY_TOO_LARGE: ErrorDef = ErrorDef::new("SVL-0024", Capacity, "The request body exceeds the maximum allowed size of %1$s bytes.");
pub const SVL_INVALID_JSON: ErrorDef = ErrorDef::new("SVL-0029", UserInput, "The request body is not valid JSON: %1$s");
pub const SVL_PARAM_IN_URI: ErrorDef = ErrorDef::new("SVL-0030", UserInput, "The parameter \"%1$s\" is not allowed in the URI.");
pub const SVL_MISSING_FIELD: ErrorDef = ErrorDef::new("SVL-0002", UserInput, "Missing the following field in the request body: %1$s");
pub const SVL_INVALID_FIELD: ErrorDef = ErrorDef::new("SVL-0010", UserInput, "Invalid parameter \"%1$s\": %2$s");

// --- LGI: login ----------------------------------------------------------------------
pub const LGI_ACCOUNT_LOCKED: ErrorDef = ErrorDef::new("LGI-0001", PermissionDenied, "The account is locked.");
pub const LGI_INVALID_CREDENTIALS: ErrorDef = ErrorDef::new("LGI-0006", UserInput, "Invalid credentials.");
pub const LGI_USER_INACTIVE: ErrorDef = ErrorDef::new("LGI-0013", PermissionDenied, "The user account is not active.");
pub const LGI_TOO_MANY_ATTEMPTS: ErrorDef = ErrorDef::new("LGI-0026", PermissionDenied, "Too many failed login attempts. Please try again later.");
pub const LGI_SERVER_TOKEN: ErrorDef = ErrorDef::new("LGI-0020", Error, "The server token could not be created.");
// login module flows (tokens, redirect, identity tokens)
pub const TOKEN_REDEEM_DENIED: ErrorDef = ErrorDef::new("TKN-0002", PermissionDenied, "Redeeming the token is not allowed for this application.");

// --- generic --------------------------------------------------------------------------
pub const OX_NOT_FOUND: ErrorDef = ErrorDef::new("OX-0001", UserInput, "The object %1$s could not be found.");
pub const OX_NO_PERMISSION: ErrorDef = ErrorDef::new("OX-0001", PermissionDenied, "You do not have the permission to perform this operation.");
pub const OX_CONFLICT: ErrorDef = ErrorDef::new("OX-0001", Conflict, "The object has been changed in the meantime.");
pub const DB_DOWN: ErrorDef = ErrorDef::new("DBP-0001", ServiceDown, "The database is currently not available.");

// --- USR / GRP / RES / CTX --------------------------------------------------------------
pub const USR_NOT_FOUND: ErrorDef = ErrorDef::new("USR-0010", UserInput, "Cannot find user with identifier %1$s in context %2$s.");
pub const USR_NO_PERMISSION: ErrorDef = ErrorDef::new("USR-0016", PermissionDenied, "You are not allowed to change this user.");
pub const USR_PASSWORD_WRONG: ErrorDef = ErrorDef::new("USR-0031", UserInput, "The current password is wrong.");
pub const USR_PASSWORD_EMPTY: ErrorDef = ErrorDef::new("USR-0032", UserInput, "The new password must not be empty.");
pub const USR_ATTR_NAME: ErrorDef = ErrorDef::new("USR-0033", UserInput, "Invalid attribute name: %1$s");
pub const GRP_NOT_FOUND: ErrorDef = ErrorDef::new("GRP-0017", UserInput, "Cannot find group with identifier %1$s.");
pub const GRP_MANDATORY_MISSING: ErrorDef = ErrorDef::new("GRP-0004", UserInput, "The mandatory field %1$s is not defined.");
pub const GRP_INVALID_NAME: ErrorDef = ErrorDef::new("GRP-0005", UserInput, "The simple name contains invalid characters: \"%1$s\".");
pub const GRP_DUPLICATE: ErrorDef = ErrorDef::new("GRP-0006", UserInput, "Another group with the same identifier name exists: %1$s.");
pub const GRP_MEMBER_NOT_FOUND: ErrorDef = ErrorDef::new("GRP-0007", UserInput, "Group contains a not existing member %1$s.");
pub const GRP_INVALID_DATA: ErrorDef = ErrorDef::new("GRP-0008", UserInput, "Group contains invalid data: \"%1$s\".");
pub const GRP_NO_CREATE_PERMISSION: ErrorDef = ErrorDef::new("GRP-0009", PermissionDenied, "You are not allowed to create groups.");
pub const GRP_CONFLICT: ErrorDef = ErrorDef::new("GRP-0010", Conflict, "Edit conflict: somebody else changed this group in the meantime. Please refresh and try again.");
pub const GRP_NO_PERMISSION: ErrorDef = ErrorDef::new("GRP-0011", PermissionDenied, "You are not allowed to change groups.");
pub const GRP_NO_DELETE_PERMISSION: ErrorDef = ErrorDef::new("GRP-0012", PermissionDenied, "You are not allowed to delete groups.");
pub const GRP_CANNOT_DELETE: ErrorDef = ErrorDef::new("GRP-0013", UserInput, "Group \"%1$s\" can not be deleted.");
pub const GRP_CANNOT_CHANGE: ErrorDef = ErrorDef::new("GRP-0014", UserInput, "Group \"%1$s\" can not be changed.");
pub const RES_NOT_FOUND: ErrorDef = ErrorDef::new("RES-0005", UserInput, "Cannot find resource with identifier %1$s.");
pub const RES_DUPLICATE: ErrorDef = ErrorDef::new("RES-0006", UserInput, "Found resource(s) with same identifier %1$s.");
pub const RES_MANDATORY_MISSING: ErrorDef = ErrorDef::new("RES-0008", Error, "Missing mandatory field(s) in given resource: %1$s");
pub const RES_NO_PERMISSION: ErrorDef = ErrorDef::new("RES-0009", PermissionDenied, "No permission to modify resources in context %1$s");
pub const RES_DUPLICATE_MAIL: ErrorDef = ErrorDef::new("RES-0010", Error, "Found resource(s) with same email address %1$s.");
pub const RES_INVALID_NAME: ErrorDef = ErrorDef::new("RES-0011", UserInput, "Invalid resource identifier: %1$s");
pub const RES_INVALID_MAIL: ErrorDef = ErrorDef::new("RES-0012", UserInput, "Invalid resource E-Mail address: %1$s");
pub const RES_CONFLICT: ErrorDef = ErrorDef::new("RES-0013", Conflict, "The resource has been changed in the meantime: %1$s");
pub const CTX_NOT_FOUND: ErrorDef = ErrorDef::new("CTX-0002", UserInput, "Cannot find context %1$s.");

// --- configuration / jslob / capabilities ------------------------------------------------
pub const CFG_NOT_FOUND: ErrorDef = ErrorDef::new("CFG-0010", UserInput, "The setting %1$s does not exist.");
pub const CFG_READ_ONLY: ErrorDef = ErrorDef::new("CFG-0011", PermissionDenied, "The setting %1$s cannot be changed.");
pub const JSLOB_NOT_FOUND: ErrorDef = ErrorDef::new("JSLOB-0005", UserInput, "No JSlob found for identifier %1$s.");
pub const CAP_NOT_FOUND: ErrorDef = ErrorDef::new("CAP-0001", UserInput, "Unknown capability %1$s.");
pub const TOKEN_INVALID: ErrorDef = ErrorDef::new("TKN-0001", UserInput, "The token is invalid or has expired.");
pub const QUOTA_EXCEEDED: ErrorDef = ErrorDef::new("QUOTA-0003", UserInput, "The quota has been exceeded.");

// --- MSG: mail --------------------------------------------------------------------------
pub const MSG_MISSING_PARAM: ErrorDef = ErrorDef::new("MSG-0001", UserInput, "Missing parameter %1$s");
pub const MSG_JSON_ERROR: ErrorDef = ErrorDef::new("MSG-0003", Error, "JSON error: %1$s");
pub const MSG_NO_ACCESS: ErrorDef = ErrorDef::new("MSG-0013", PermissionDenied, "You have no access to the mail module.");
pub const MSG_QUOTA_EXCEEDED: ErrorDef = ErrorDef::new("MSG-0029", Capacity, "The mail quota has been exceeded.");
pub const MSG_INVALID_INT: ErrorDef = ErrorDef::new("MSG-0031", UserInput, "Invalid value for %1$s: %2$s");
pub const MSG_MAIL_NOT_FOUND: ErrorDef = ErrorDef::new("MSG-0032", UserInput, "Mail(s) %1$s could not be found in folder %2$s");
pub const MSG_SEND_FAILED: ErrorDef = ErrorDef::new("MSG-0035", Error, "The message could not be sent: %1$s");
pub const MSG_DELETE_QUOTA: ErrorDef = ErrorDef::new("MSG-0039", Capacity, "The mail could not be moved to the trash because the quota is exceeded.");
pub const MSG_INVALID_ADDRESS: ErrorDef = ErrorDef::new("MSG-0056", UserInput, "Invalid address: %1$s");
pub const MSG_FOLDER_EXISTS: ErrorDef = ErrorDef::new("MSG-0063", UserInput, "A folder named %1$s already exists.");
pub const MSG_FOLDER_NOT_FOUND: ErrorDef = ErrorDef::new("MSG-0066", UserInput, "The mail folder %1$s could not be found.");
pub const MSG_REFERENCE_NOT_FOUND: ErrorDef = ErrorDef::new("MSG-0067", UserInput, "The referenced mail %1$s could not be found.");
pub const MSG_INVALID_MESSAGE: ErrorDef = ErrorDef::new("MSG-0064", UserInput, "The message could not be read: %1$s");
pub const MSG_STANDARD_FOLDER: ErrorDef = ErrorDef::new("MSG-0014", PermissionDenied, "The standard folder %1$s cannot be changed or deleted.");
pub const MSG_TOO_LARGE: ErrorDef = ErrorDef::new("MSG-0065", Capacity, "The message exceeds the maximum size of %1$s bytes.");
// Share references of mails that shared Drive files (resolve_share_reference).
pub const SHR_UNKNOWN_SHARE: ErrorDef = ErrorDef::new("SHR-0002", UserInput, "A share with token %1$s does not exist.");
pub const FILE_STORAGE_NO_SUCH_FOLDER: ErrorDef = ErrorDef::new("FILE_STORAGE-0029", UserInput, "No such folder.");
// --- CON: contacts (behaviour notes 2.6) ---------------------------------------------------
pub const CON_INVALID_EMAIL: ErrorDef = ErrorDef::new("CON-0100", UserInput, "The e-mail address %1$s is invalid.");
pub const CON_IMAGE_TOO_LARGE: ErrorDef = ErrorDef::new("CON-0101", Capacity, "The image is too large: %2$s bytes (at most %3$s bytes are allowed).");
pub const CON_NOT_CONTACT_FOLDER: ErrorDef = ErrorDef::new("CON-0103", UserInput, "The folder %1$s is not a contact folder.");
pub const CON_NO_FOLDER_ACCESS: ErrorDef = ErrorDef::new("CON-0104", PermissionDenied, "You do not have the permission to access objects in folder %1$s.");
pub const CON_NO_CREATE_PERMISSION: ErrorDef = ErrorDef::new("CON-0112", PermissionDenied, "You do not have the permission to create objects in folder %1$s.");
pub const CON_CONFLICT: ErrorDef = ErrorDef::new("CON-0119", Conflict, "The contact has been changed in the meantime.");
pub const CON_NOT_FOUND: ErrorDef = ErrorDef::new("CON-0125", UserInput, "The contact %1$s could not be found in folder %2$s.");
pub const CON_TRUNCATED: ErrorDef = ErrorDef::new("CON-0154", Truncated, "The value of the attribute %1$s is too long: %2$s characters, at most %3$s are allowed.");
pub const CON_NOT_VALID_IMAGE: ErrorDef = ErrorDef::new("CON-0158", TryAgain, "The image is not a valid picture. It may be broken or not an image at all.");
pub const CON_DISPLAY_NAME_MANDATORY: ErrorDef = ErrorDef::new("CON-0166", UserInput, "The contact needs a display name.");
pub const CON_NO_DELETE_PERMISSION: ErrorDef = ErrorDef::new("CON-0169", PermissionDenied, "You do not have the permission to delete objects in folder %1$s.");
pub const CON_PRIVATE_IN_PUBLIC: ErrorDef = ErrorDef::new("CON-0171", UserInput, "A contact in a public folder cannot be marked as private.");
pub const CON_NOT_IN_FOLDER: ErrorDef = ErrorDef::new("CON-0174", UserInput, "The contact %1$s is not in folder %2$s.");
pub const CON_NO_WRITE_PERMISSION: ErrorDef = ErrorDef::new("CON-0176", PermissionDenied, "You do not have the permission to modify objects in folder %1$s.");
pub const CON_GAB_DELETE: ErrorDef = ErrorDef::new("CON-0260", PermissionDenied, "The contact of a user cannot be deleted.");
pub const CON_PATTERN_TOO_SHORT: ErrorDef = ErrorDef::new("CON-1000", UserInput, "The search pattern needs at least %1$s characters.");
pub const CON_INVALID_FIELD: ErrorDef = ErrorDef::new("CON-0168", UserInput, "The value of the attribute %1$s is invalid: %2$s");

// --- HALO: halo/contact (OX HaloExceptionCodes) --------------------------------------------
pub const HALO_UNKNOWN_PROVIDER: ErrorDef = ErrorDef::new("HALO-0003", UserInput, "Unknown provider: %1$s");
pub const HALO_INVALID_CONTACT: ErrorDef =
    ErrorDef::new("HALO-0005", UserInput, "Cannot search a contact that is neither an internal user nor has an e-mail address.");

// --- I_E: import / export -------------------------------------------------------------------
pub const IE_UNSUPPORTED_FORMAT: ErrorDef = ErrorDef::new("I_E-0100", UserInput, "The format %1$s is not supported for module %2$s.");
pub const IE_PARSE_FAILED: ErrorDef = ErrorDef::new("I_E-0500", UserInput, "Entry %1$s could not be read: %2$s");
pub const IE_NO_FILE: ErrorDef = ErrorDef::new("I_E-0512", UserInput, "The upload contains no file.");
pub const IE_EMPTY_CSV: ErrorDef = ErrorDef::new("I_E-0806", UserInput, "The CSV file has no header line or no known column titles.");
// --- IFO: Drive (infostore), ATT: attachments, file storage services ----------------------
pub const IFO_TOO_LONG: ErrorDef = ErrorDef::new("IFO-0100", Truncated, "The value of field %1$s is too long (at most %2$s bytes).");
pub const IFO_NOT_FOUND: ErrorDef = ErrorDef::new("IFO-0300", UserInput, "The requested document does not exist.");
pub const IFO_NO_READ: ErrorDef = ErrorDef::new("IFO-0400", PermissionDenied, "You do not have the permission to read this document.");
pub const IFO_NO_CREATE: ErrorDef = ErrorDef::new("IFO-0402", PermissionDenied, "You do not have the permission to create documents in this folder.");
pub const IFO_NO_WRITE: ErrorDef = ErrorDef::new("IFO-0403", PermissionDenied, "You do not have the permission to change this document.");
pub const IFO_LOCKED: ErrorDef = ErrorDef::new("IFO-0415", Conflict, "The document %1$s is locked by another user.");
pub const IFO_VERSION_NOT_FOUND: ErrorDef = ErrorDef::new("IFO-0438", UserInput, "The requested document version does not exist.");
pub const IFO_NAME_TAKEN: ErrorDef = ErrorDef::new("IFO-0441", Conflict, "A document named \"%1$s\" already exists in this folder.");
pub const IFO_NO_DELETE: ErrorDef = ErrorDef::new("IFO-0445", PermissionDenied, "You do not have the permission to delete this document.");
pub const IFO_CONFLICT: ErrorDef = ErrorDef::new("IFO-1302", Conflict, "The document has been changed in the meantime.");
pub const IFO_INVALID_NAME: ErrorDef = ErrorDef::new("IFO-2101", UserInput, "The file name \"%1$s\" contains invalid characters.");
pub const ATT_NOT_FOUND: ErrorDef = ErrorDef::new("ATT-0405", UserInput, "The attachment %1$s could not be found.");
pub const ATT_INVALID_MODULE: ErrorDef = ErrorDef::new("ATT-0408", UserInput, "Invalid module %1$s for attachments.");
pub const ATT_NO_PERMISSION: ErrorDef = ErrorDef::new("ATT-0401", PermissionDenied, "You do not have the permission to change attachments of this object.");
pub const ATT_OBJECT_NOT_FOUND: ErrorDef = ErrorDef::new("ATT-0400", UserInput, "The object %1$s the attachment belongs to could not be found.");
pub const UPL_FILE_NOT_FOUND: ErrorDef = ErrorDef::new("UPL-0009", UserInput, "The uploaded file %1$s could not be found or has expired.");
pub const UPL_NOT_AN_IMAGE: ErrorDef = ErrorDef::new("UPL-0010", UserInput, "The uploaded file %1$s is not an image.");
pub const FILE_STORAGE_UNKNOWN_SERVICE: ErrorDef = ErrorDef::new("FILE_STORAGE-0002", UserInput, "Unknown file storage service: %1$s");
pub const FILE_STORAGE_ACCOUNT_NOT_FOUND: ErrorDef = ErrorDef::new("FILE_STORAGE-0004", UserInput, "The file storage account %1$s of service %2$s could not be found.");
pub const FILE_STORAGE_READ_ONLY_ACCOUNT: ErrorDef = ErrorDef::new("FILE_STORAGE-0019", PermissionDenied, "The default account of service %1$s cannot be created, changed or deleted.");
pub const MP3_NO_COVER: ErrorDef = ErrorDef::new("IFO-0300", UserInput, "The file %1$s has no cover image.");
pub const IFO_NOTIFY_NOT_SENT: ErrorDef = ErrorDef::new("IFO-2201", Warning, "The notification could not be delivered to %1$s: %2$s");
// --- IMAP / ACC: the IMAP mail backend and mail accounts ------------------------------------
pub const IMAP_LOGIN_FAILED: ErrorDef = ErrorDef::new("IMAP-1000", PermissionDenied, "Login to mail server %1$s failed for user %2$s.");
pub const IMAP_INVALID_CREDENTIALS: ErrorDef = ErrorDef::new("IMAP-1001", PermissionDenied, "Wrong or missing login data to access mail server %1$s. Error message from mail server: %2$s");
pub const IMAP_FOLDER_NOT_FOUND: ErrorDef = ErrorDef::new("IMAP-1002", UserInput, "Mail folder \"%1$s\" could not be found.");
pub const IMAP_INVALID_ADDRESS: ErrorDef = ErrorDef::new("IMAP-1008", UserInput, "Invalid E-Mail address: %1$s");
pub const IMAP_SEND_FAILED: ErrorDef = ErrorDef::new("IMAP-1013", Error, "Message could not be sent to the following recipients: %1$s (%2$s)");
pub const IMAP_STORE_CLOSED: ErrorDef = ErrorDef::new("IMAP-1014", ServiceDown, "Lost connection to mail server %1$s.");
pub const IMAP_CONNECT_ERROR: ErrorDef = ErrorDef::new("IMAP-1016", Connectivity, "Connection was refused or timed out while attempting to connect to remote server %1$s for user %2$s.");
pub const IMAP_UNKNOWN_HOST: ErrorDef = ErrorDef::new("IMAP-1022", Configuration, "The IP address of host \"%1$s\" could not be determined");
pub const IMAP_QUOTA_EXCEEDED: ErrorDef = ErrorDef::new("IMAP-1024", Capacity, "The quota on mail server exceeded. Error message: %1$s");
pub const IMAP_COMMAND_FAILED: ErrorDef = ErrorDef::new("IMAP-1025", Error, "A command sent to mail server failed. Server response: %1$s");
pub const IMAP_PROTOCOL_ERROR: ErrorDef = ErrorDef::new("IMAP-1027", Error, "Error in mail server protocol. Error message: %1$s");
pub const IMAP_TRANSPORT_INVALID_CREDENTIALS: ErrorDef = ErrorDef::new("IMAP-1030", PermissionDenied, "Wrong or missing login data to access mail transport server %1$s. Error message from mail transport server: %2$s");
pub const IMAP_NO_FREE_CONNECTION: ErrorDef = ErrorDef::new("IMAP-2058", TryAgain, "No free connection to mail server %1$s. Please try again later.");
pub const ACC_NOT_FOUND: ErrorDef = ErrorDef::new("ACC-0002", Error, "Cannot find mail account with identifier %1$s for user %2$s in context %3$s.");
pub const ACC_NO_DEFAULT_DELETE: ErrorDef = ErrorDef::new("ACC-0006", PermissionDenied, "Denied deletion of default mail account of user %1$s in context %2$s.");
pub const ACC_NO_DEFAULT_UPDATE_ATTR: ErrorDef = ErrorDef::new("ACC-0007", PermissionDenied, "Denied update of attribute %1$s for default mail account of user %2$s in context %3$s.");
pub const ACC_PASSWORD_DECRYPTION_FAILED: ErrorDef = ErrorDef::new("ACC-0010", Error, "Password decryption failed for login %1$s on server %2$s (user=%3$s, context=%4$s).");
pub const ACC_CONFLICT_ADDR: ErrorDef = ErrorDef::new("ACC-0015", UserInput, "Found two mail accounts with same E-Mail address %1$s for user %2$s in context %3$s.");
pub const ACC_INVALID_NAME: ErrorDef = ErrorDef::new("ACC-0016", UserInput, "Invalid mail account name: %1$s");
pub const ACC_URI_PARSE_FAILED: ErrorDef = ErrorDef::new("ACC-0018", Error, "Unable to parse mail server URI \"%1$s\".");
pub const ACC_INVALID_HOST_NAME: ErrorDef = ErrorDef::new("ACC-0019", UserInput, "Invalid host name: %1$s");
pub const ACC_VALIDATE_FAILED_MAIL: ErrorDef = ErrorDef::new("ACC-0020", Warning, "Could not connect to mail server \"%1$s\" for login %2$s");
pub const ACC_VALIDATE_FAILED_TRANSPORT: ErrorDef = ErrorDef::new("ACC-0021", Warning, "Could not connect to transport server \"%1$s\" for login %2$s");

// --- FLD: folders -------------------------------------------------------------------------
pub const FLD_NOT_VISIBLE: ErrorDef = ErrorDef::new("FLD-0003", PermissionDenied, "You do not have the permission to see this folder.");
pub const FLD_NOT_FOUND: ErrorDef = ErrorDef::new("FLD-0008", Error, "Folder \"%1$s\" could not be found in tree \"%2$s\".");
pub const FLD_NO_ADMIN: ErrorDef = ErrorDef::new("FLD-1002", PermissionDenied, "You do not have the permission to change folder \"%1$s\".");
pub const FLD_PROTECTED: ErrorDef = ErrorDef::new("FLD-1004", PermissionDenied, "The system or standard folder \"%1$s\" cannot be renamed, moved or shared this way.");
pub const FLD_DUPLICATE_NAME: ErrorDef = ErrorDef::new("FLD-1014", PermissionDenied, "A folder named \"%1$s\" already exists in the parent folder.");
pub const FLD_CYCLE: ErrorDef = ErrorDef::new("FLD-1016", UserInput, "A folder cannot be moved below itself or one of its subfolders.");
pub const FLD_CONFLICT: ErrorDef = ErrorDef::new("FLD-1022", Conflict, "The folder has been changed in the meantime.");
pub const FLD_CANNOT_DELETE: ErrorDef = ErrorDef::new("FLD-1026", PermissionDenied, "Folder \"%1$s\" cannot be deleted.");
pub const FLD_NO_CREATE: ErrorDef = ErrorDef::new("FLD-1029", PermissionDenied, "You do not have the permission to create a subfolder in folder \"%1$s\".");
pub const FLD_BAD_MODULE: ErrorDef = ErrorDef::new("FLD-1031", UserInput, "A folder of module \"%1$s\" cannot be placed in this parent folder.");
pub const FLD_RESERVED_NAME: ErrorDef = ErrorDef::new("FLD-1033", UserInput, "The name \"%1$s\" is reserved.");
pub const FLD_INVALID_PERMISSION: ErrorDef = ErrorDef::new("FLD-1038", UserInput, "Invalid permission: %1$s");
pub const FLD_ADMIN_REQUIRED: ErrorDef = ErrorDef::new("FLD-1039", UserInput, "The folder owner must keep administrative rights.");
pub const FLD_ILLEGAL_CHARS: ErrorDef = ErrorDef::new("FLD-1040", UserInput, "The folder name \"%1$s\" contains illegal characters.");
pub const FLD_NOTIFY_NOT_SENT: ErrorDef = ErrorDef::new("FLD-2201", Warning, "The notification could not be delivered to %1$s: %2$s");
pub const FLD_NO_CLEAR: ErrorDef = ErrorDef::new("FLD-1041", PermissionDenied, "You do not have the permission to delete the contents of folder \"%1$s\".");
