; Inno Setup script for MT5 Desk (Inno Setup 6). Build the one-folder bundle first, then compile:
;
;   .venv\Scripts\pyinstaller build.spec --noconfirm
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\mt5desk.iss
;
; Output: installer\windows\Output\MT5Desk-<version>-setup.exe. Pass /DAppVersion=1.2.3 to stamp a version.
;
; Installs per user (no administrator rights needed) into %LOCALAPPDATA%\Programs\MT5 Desk, like the
; app's own data, which lives in %LOCALAPPDATA%\MT5Desk (platformdirs). Uninstalling keeps that data
; unless the trader ticks "Also remove my data".

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "MT5 Desk"
#define AppExe "mt5desk.exe"
#define DataRoot "{localappdata}\MT5Desk"

[Setup]
; Never change AppId: it is how an update finds the installed copy and its uninstaller.
AppId={{6E0B6C57-3F0A-4E5B-9A8E-5D2C1B7F4A31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=MT5 Desk developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputBaseFilename=MT5Desk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running desk holds its files open: let Windows' Restart Manager close it before files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked
Name: "startup"; Description: "Start MT5 Desk when I sign in to Windows"; GroupDescription: "Start-up:"; Flags: unchecked

[Files]
Source: "..\..\dist\mt5desk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
; Per user (HKCU): no administrator rights, and it is removed with the app.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; \
  ValueName: "{#AppName}"; ValueData: """{app}\{#AppExe}"""; Flags: uninsdeletevalue; Tasks: startup

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start {#AppName} now"; Flags: nowait postinstall skipifsilent

[Code]
var
  RemoveUserData: Boolean;

{ The uninstaller has no wizard pages, so the choice is a small form of its own, shown before anything
  is removed. Unticked by default: the journal is the trader's record of real trades. }
function AskAboutUserData(): Boolean;
var
  Form: TSetupForm;
  Note: TNewStaticText;
  Box: TNewCheckBox;
  UninstallButton, CancelButton: TNewButton;
begin
#if Ver >= EncodeVer(6, 6, 0)
  Form := CreateCustomForm(440, 170, True, True);
#else
  Form := CreateCustomForm();
  Form.ClientWidth := ScaleX(440);
  Form.ClientHeight := ScaleY(170);
#endif
  try
    Form.Caption := 'Uninstall {#AppName}';

    Note := TNewStaticText.Create(Form);
    Note.Parent := Form;
    Note.AutoSize := False;
    Note.WordWrap := True;
    Note.SetBounds(ScaleX(16), ScaleY(16), Form.ClientWidth - ScaleX(32), ScaleY(64));
    Note.Caption := '{#AppName} will be removed from this PC. Your settings, trade journal, models and ' +
      'logs in ' + ExpandConstant('{#DataRoot}') + ' are kept, so a later install picks them up again.';

    Box := TNewCheckBox.Create(Form);
    Box.Parent := Form;
    Box.SetBounds(ScaleX(16), ScaleY(88), Form.ClientWidth - ScaleX(32), ScaleY(20));
    Box.Caption := 'Also remove my data (settings, trade journal, models and logs)';
    Box.Checked := False;

    UninstallButton := TNewButton.Create(Form);
    UninstallButton.Parent := Form;
    UninstallButton.SetBounds(Form.ClientWidth - ScaleX(184), Form.ClientHeight - ScaleY(36),
      ScaleX(80), ScaleY(24));
    UninstallButton.Caption := 'Uninstall';
    UninstallButton.ModalResult := mrOk;
    UninstallButton.Default := True;

    CancelButton := TNewButton.Create(Form);
    CancelButton.Parent := Form;
    CancelButton.SetBounds(Form.ClientWidth - ScaleX(96), Form.ClientHeight - ScaleY(36),
      ScaleX(80), ScaleY(24));
    CancelButton.Caption := 'Cancel';
    CancelButton.ModalResult := mrCancel;
    CancelButton.Cancel := True;

    Result := Form.ShowModal() = mrOk;
    RemoveUserData := Result and Box.Checked;
  finally
    Form.Free();
  end;
end;

function InitializeUninstall(): Boolean;
begin
  RemoveUserData := False;
  { A silent uninstall (an update, a managed PC) never deletes the trader's data. }
  if UninstallSilent() then
    Result := True
  else
    Result := AskAboutUserData();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and RemoveUserData then
    if not DelTree(ExpandConstant('{#DataRoot}'), True, True, True) then
      MsgBox('Some of your data in ' + ExpandConstant('{#DataRoot}') + ' could not be removed ' +
        '(a file may still be open). Delete that folder by hand.', mbInformation, MB_OK);
end;
