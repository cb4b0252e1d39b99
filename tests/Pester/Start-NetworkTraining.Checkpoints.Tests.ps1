Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
}

Describe 'Start-NetworkTraining checkpoint paths' {
    BeforeDiscovery {
        # Root may write anywhere, so a read-only folder only refuses other users.
        $canDenyWrites = -not $IsWindows -and (& id -u) -ne '0'
    }

    BeforeAll {
        $tiny = Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Train -First 40 -AsDataset

        # Trains a network of its own, so the test can see that no epoch ran before the error.
        function Get-CheckpointError([string] $Path) {
            $network = New-Network -HiddenLayers 4 -Seed 1
            $thrown = { Start-NetworkTraining -Dataset $tiny -Network $network -Epochs 1 -CheckpointPath $Path } |
                Should -Throw -PassThru
            $network.History.Count | Should -Be 0 -Because 'the path is checked before training starts'
            $thrown
        }
    }

    It 'creates a missing checkpoint folder' {
        $path = Join-Path $TestDrive 'new/deeper/run.mnn'

        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -Seed 1 -CheckpointPath $path | Out-Null

        Join-Path $TestDrive 'new/deeper/run.latest.mnn' | Should -Exist
        @(Get-ChildItem -LiteralPath (Join-Path $TestDrive 'new/deeper') -Filter *.tmp) | Should -BeNullOrEmpty
    }

    It 'warns naming the checkpoints that a new run at the same path replaces, and still trains' {
        $path = Join-Path $TestDrive 'again.mnn'
        $latest = Join-Path $TestDrive 'again.latest.mnn'
        $best = Join-Path $TestDrive 'again.best.mnn'
        $settings = @{ Dataset = $tiny; HiddenLayers = 4; ValidationSplit = 0.25; Seed = 1; CheckpointPath = $path }
        Start-NetworkTraining @settings -Epochs 1 -WarningVariable first -WarningAction SilentlyContinue | Out-Null

        $network = Start-NetworkTraining @settings -Epochs 2 -WarningVariable warnings -WarningAction SilentlyContinue

        $first | Should -BeNullOrEmpty
        @($warnings).Count | Should -Be 1
        $warnings[0].Message | Should -Be ("$latest and $best already hold checkpoints of an earlier run; this new " +
            'run will replace them as it saves its own. To continue the earlier run instead, use -Resume.')
        $network.History.Count | Should -Be 2
        (Import-Network $latest).History.Count | Should -Be 2
    }

    It 'warns that a new run without validation leaves the earlier best checkpoint as it is' {
        $path = Join-Path $TestDrive 'stale.mnn'
        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -ValidationSplit 0.25 -Seed 1 `
            -CheckpointPath $path | Out-Null

        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -Seed 1 -CheckpointPath $path `
            -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

        $warnings.Message | Should -Be @(
            "$(Join-Path $TestDrive 'stale.latest.mnn') already holds a checkpoint of an earlier run; this new run " +
            'will replace it as it saves its own. To continue the earlier run instead, use -Resume.'
            "$(Join-Path $TestDrive 'stale.best.mnn') is from an earlier run: this run has no validation data to " +
            'choose a best epoch by, so it leaves that file as it is.'
        )
    }

    It 'refuses to resume into a -Network whose layers differ from the checkpoint, naming both' {
        $path = Join-Path $TestDrive 'shape.mnn'
        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -Seed 1 -CheckpointPath $path | Out-Null
        $other = New-Network -HiddenLayers 8 -Seed 1

        $thrown = { Start-NetworkTraining -Dataset $tiny -Network $other -CheckpointPath $path -Resume -Epochs 2 } |
            Should -Throw -PassThru

        $thrown.FullyQualifiedErrorId | Should -BeLike 'ConflictingParameters,*'
        $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
        [object]::ReferenceEquals($thrown.TargetObject, $other) | Should -BeTrue
        "$thrown" | Should -Be ("-Network cannot take up the run saved at $path`: The checkpoint holds a 784-4-10 " +
            "ReLU network; the network given is 784-8-10 ReLU. Give a network with the checkpoint's layers and " +
            "activation, or leave out -Network to resume into the checkpoint's own network.")
        $other.History.Count | Should -Be 0
    }

    It 'does not warn about the checkpoint it resumes from' {
        $path = Join-Path $TestDrive 'resumed.mnn'
        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -Seed 1 -CheckpointPath $path | Out-Null

        $network = Start-NetworkTraining -Dataset $tiny -CheckpointPath $path -Resume -Epochs 2 `
            -WarningVariable warnings -WarningAction SilentlyContinue

        $warnings | Should -BeNullOrEmpty
        $network.History.Count | Should -Be 2
    }

    It 'refuses, before training, a folder that cannot be created' {
        $blocker = Join-Path $TestDrive 'blocker'
        Set-Content -LiteralPath $blocker -Value 'a file where a folder should go'
        $path = Join-Path $blocker 'run.mnn'

        $thrown = Get-CheckpointError $path

        $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
        $thrown.CategoryInfo.Category | Should -Be 'WriteError'
        $thrown.TargetObject | Should -Be $path
        $thrown.Exception.Message | Should -Be ("Cannot write checkpoints to $path`: the folder $blocker does not " +
            'exist and cannot be created: a file has that name.')
    }

    It 'refuses a folder given as the checkpoint path, with or without a trailing separator' {
        $folder = Join-Path $TestDrive 'runs'
        New-Item -ItemType Directory -Path $folder | Out-Null

        foreach ($path in $folder, ($folder + [System.IO.Path]::DirectorySeparatorChar)) {
            $thrown = Get-CheckpointError $path

            $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
            $thrown.TargetObject | Should -Be $path
            $thrown.Exception.Message | Should -BeLike "*that is a folder; give a file name in it, such as *run.mnn*"
        }

        Get-ChildItem -LiteralPath $TestDrive -Filter 'runs*.mnn' -Force | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty

        $resumed = { Start-NetworkTraining -Dataset $tiny -CheckpointPath $folder -Resume } |
            Should -Throw -PassThru
        $resumed.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
        $resumed.Exception.Message | Should -BeLike '*that is a folder*'
    }

    It 'refuses a blank checkpoint file name' {
        $thrown = Get-CheckpointError (Join-Path $TestDrive '  ')

        $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
        $thrown.Exception.Message | Should -BeLike '*the file name is blank; give a name such as run.mnn.'
        Get-ChildItem -LiteralPath $TestDrive -Filter '*latest.mnn' -Force |
            Where-Object { $_.Name.Trim() -eq '.latest.mnn' } | Should -BeNullOrEmpty
    }

    It 'refuses, before training, a folder that takes no files' -Skip:(-not $IsLinux) {
        $thrown = Get-CheckpointError '/proc/run.mnn'

        $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
        $thrown.CategoryInfo.Category | Should -Be 'WriteError'
        $thrown.TargetObject | Should -Be '/proc/run.mnn'
        $thrown.Exception.Message |
            Should -BeLike 'Cannot write checkpoints to /proc/run.mnn: no file can be created in the folder /proc*'
    }

    It 'refuses, before training, a read-only folder as permission denied' -Skip:(-not $canDenyWrites) {
        $readOnly = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'read-only')
        chmod 555 $readOnly.FullName
        try {
            $path = Join-Path $readOnly.FullName 'run.mnn'

            $thrown = Get-CheckpointError $path

            $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotWritable,*'
            $thrown.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $thrown.TargetObject | Should -Be $path
            $thrown.Exception.Message |
                Should -BeLike "*permission to create files in the folder $($readOnly.FullName) is denied."
        }
        finally {
            chmod 755 $readOnly.FullName
        }
    }
}
